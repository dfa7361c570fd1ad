/**
 * create-migration.ts writes a migration for whatever the entities describe beyond the committed
 * migrations, diffing against a scratch database: `npx tsx scripts/create-migration.ts <name>`.
 * Add the new file to src/platform/db/migrations/index.ts afterwards.
 */

import { MIGRATIONS_DIR } from "../src/platform/db/orm-config.js";
import { openTestDatabase } from "../test/support/open-test-database.js";

const name = process.argv[2];
if (!name) {
  process.stderr.write("usage: tsx scripts/create-migration.ts <name>\n");
  process.exit(2);
}
// The scratch database has every committed migration applied; the new one is the difference.
const scratch = await openTestDatabase("warn");
try {
  const result = await scratch.orm.getMigrator().createMigration(MIGRATIONS_DIR, false, false, name);
  process.stdout.write(result.fileName ? `wrote ${result.fileName}\n` : "no changes\n");
} finally {
  await scratch.close();
}
