/**
 * create-migration.ts writes a migration for whatever the entities describe beyond the committed
 * migrations, diffing against a scratch database: `npx tsx scripts/create-migration.ts <name>`.
 * Add the new file to src/platform/db/migrations/index.ts afterwards.
 */

import { entities } from "../src/entities.js";
import { openDatabase } from "../src/platform/db/database.js";
import { MIGRATIONS_DIR } from "../src/platform/db/orm-config.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createTestDatabase } from "../test/support/test-database.js";

const name = process.argv[2];
if (!name) {
  process.stderr.write("usage: tsx scripts/create-migration.ts <name>\n");
  process.exit(2);
}
const scratch = await createTestDatabase();
try {
  const db = await openDatabase({
    entities,
    databaseUrl: scratch.url,
    dataDir: "/nonexistent",
    logger: createLogger("warn"),
  });
  const result = await db.orm.getMigrator().createMigration(MIGRATIONS_DIR, false, false, name);
  process.stdout.write(result.fileName ? `wrote ${result.fileName}\n` : "no changes\n");
  await db.close();
} finally {
  await scratch.drop();
}
