import type { EntityManager } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase } from "../../../../test/support/open-test-database.js";
import { bacsDisplayNameProblem, normaliseBacsDisplayName } from "../../../modules/identity/bacs-identity.js";
import type { Database } from "../database.js";

const thisMigration = "Migration20261207053038_bacs_identity";

/** Organisation names as earlier versions stored them (trimmed), live and sandbox. */
const existing: { name: string; sandbox: boolean; expected: string | null }[] = [
  { name: "Acme Lettings", sandbox: false, expected: "ACME LETTINGS" },
  { name: "Smith & Co. 1/2-B", sandbox: false, expected: "SMITH & CO. 1/2-B" },
  { name: "Eighteen chars 123", sandbox: false, expected: "EIGHTEEN CHARS 123" },
  { name: "Nineteen chars 1234", sandbox: false, expected: null },
  { name: "Acme Lettings and Property Management", sandbox: false, expected: null },
  { name: "Café Lettings", sandbox: false, expected: null },
  { name: "Lettings (North)", sandbox: false, expected: null },
  { name: "Straße", sandbox: false, expected: null },
  { name: "&&&", sandbox: false, expected: null },
  { name: "Sandbox", sandbox: true, expected: "SANDBOX" },
  { name: "A sandbox with a long name", sandbox: true, expected: null },
];

/** asOwner runs raw SQL as the migrating owner, past row-level security as a migration would be. */
async function asOwner<T>(db: Database, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return db.orm.em.fork().transactional(async (em) => {
    await em.execute("select set_config('dd.cross_tenant', 'test: plant organisations', true)");
    return work(em);
  });
}

describe("the Bacs identity migration, on organisations that existed before it", () => {
  let db: Database | undefined;
  let rows: { name: string; sandbox: boolean; service_user_number: string | null; bacs_display_name: string | null }[] =
    [];

  beforeAll(async () => {
    // As the owner, who is not a superuser: row-level security holds the migration as in production.
    db = await openTestDatabase("silent", "owner");
    const migrator = db.orm.getMigrator();
    await migrator.down({ to: thisMigration });
    await asOwner(db, async (em) => {
      for (const [i, row] of existing.entries()) {
        await em.execute(
          `insert into "organisation" ("id", "name", "sandbox", "rate_limit_per_minute", "rate_limit_burst", "create_time", "update_time") values (?, ?, ?, 1000, 100, now(), now())`,
          [`OR${String(i).padStart(26, "0")}`, row.name, row.sandbox],
        );
      }
    });
    await migrator.up({ to: thisMigration });
    rows = await asOwner(db, (em) =>
      em.execute(
        `select "name", "sandbox", "service_user_number", "bacs_display_name" from "organisation" order by "id"`,
      ),
    );
    await migrator.up();
  });

  afterAll(() => db?.close());

  it("leaves every service user number empty: only the sponsor bank knows it", () => {
    expect(rows).toHaveLength(existing.length);
    expect(rows.map((r) => r.service_user_number)).toEqual(existing.map(() => null));
  });

  it("takes the name, upper-cased, where it fits the Bacs rules, and leaves the rest empty", () => {
    expect(rows.map((r) => [r.name, r.bacs_display_name])).toEqual(existing.map((e) => [e.name, e.expected]));
  });

  it("fits exactly the names the service itself would accept as a display name", () => {
    for (const row of rows) {
      const accepted = bacsDisplayNameProblem(row.name) === undefined;
      expect([row.name, row.bacs_display_name]).toEqual([
        row.name,
        accepted ? normaliseBacsDisplayName(row.name) : null,
      ]);
    }
  });
});
