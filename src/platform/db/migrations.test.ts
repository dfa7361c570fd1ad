import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase } from "../../../test/support/open-test-database.js";
import { withoutCompositeReferenceUndo } from "./composite-references.js";
import type { Database } from "./database.js";
import { migrations } from "./migrations/index.js";

describe("migrations", () => {
  let db: Database | undefined;

  const migrator = () => db!.orm.getMigrator();
  const tables = async () => {
    const rows = await db!.orm.em
      .fork()
      .getConnection()
      .execute<{ table_name: string }[]>(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
    return rows.map((r) => r.table_name);
  };
  const expectSchemaMatchesEntities = async () => {
    // The same comparison `createMigration` makes, less what undoes the composite references the
    // entities cannot describe: an empty diff means no migration is missing.
    const diff = await db!.orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(withoutCompositeReferenceUndo(diff)).toBe("");
    expect(diff).toContain(`drop constraint "collection_organisation_id_mandate_id_foreign"`);
  };

  beforeAll(async () => {
    db = await openTestDatabase("silent", "owner");
  });

  afterAll(() => db?.close());

  it("applies every committed migration when the database opens", async () => {
    const executed = await migrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    expect(await migrator().getPendingMigrations()).toEqual([]);
  });

  it("leaves exactly the schema the entities describe", async () => {
    await expectSchemaMatchesEntities();
  });

  it("migrates all the way down and up again", async () => {
    const reverted = await migrator().down({ to: 0 });
    expect(reverted.map((m) => m.name)).toEqual(migrations.map((m) => m.name).reverse());
    expect(await tables()).toEqual(["mikro_orm_migrations"]);

    const applied = await migrator().up();
    expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    // Every entity's table, and the migrations' own.
    const expected = Object.values(db!.orm.getMetadata().getAll()).map((meta) => meta.tableName);
    expect(await tables()).toEqual([...expected, "mikro_orm_migrations"].sort());
    await expectSchemaMatchesEntities();
  });
});
