/**
 * create-migration.ts writes a migration for whatever the entities describe beyond the committed
 * migrations, diffing against a scratch database: `npx tsx scripts/create-migration.ts <name>`.
 * Add the new file to src/platform/db/migrations/index.ts afterwards.
 */

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isCompositeReferenceUndo } from "../src/platform/db/composite-references.js";
import { MIGRATIONS_DIR } from "../src/platform/db/orm-config.js";
import { openTestDatabase } from "../test/support/open-test-database.js";

const name = process.argv[2];
if (!name) {
  process.stderr.write("usage: tsx scripts/create-migration.ts <name>\n");
  process.exit(2);
}
// The scratch database has every committed migration applied; the new one is the difference.
// As the owner: the diff reads the whole schema, which only the owner may change.
const scratch = await openTestDatabase("warn", "owner");
try {
  const result = await scratch.orm.getMigrator().createMigration(MIGRATIONS_DIR, false, false, name);
  if (result.fileName) {
    // The entities know only single-column foreign keys: drop the lines that would undo composite ones.
    const path = join(MIGRATIONS_DIR, result.fileName);
    const lines = (await readFile(path, "utf8")).split("\n");
    const kept = lines.filter((line) => !isCompositeReferenceUndo(/addSql\(`(.*)`\);/.exec(line)?.[1] ?? ""));
    await writeFile(path, kept.join("\n"));
    const dropped = lines.length - kept.length;
    if (dropped > 0) process.stdout.write(`dropped ${dropped} statements that would undo composite references\n`);
  }
  process.stdout.write(result.fileName ? `wrote ${result.fileName}\n` : "no changes\n");
} finally {
  await scratch.close();
}
