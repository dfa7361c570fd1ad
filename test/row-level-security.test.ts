/**
 * Row-level security, the second tenant wall (issue 11), seen from PostgreSQL: the role the server
 * runs as, what it sees with and without its transaction setting, what it may not do, and that every
 * tenant table (a future one too) carries the policy. The randomised proof that the wall alone keeps
 * organisations apart is isolation-rls-only.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acrossTenants, withTenant } from "../src/platform/db/tenant-session.js";
import { newApiKey, newOrganisation, newSignedInUser } from "./support/fixtures.js";
import { createMandate } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let a: string;
let b: string;
let mandateOfB: string;

beforeAll(async () => {
  server = await startTestServer({ withoutRedis: true });
  a = await newOrganisation(server, true);
  b = await newOrganisation(server, true);
  const keyOfB = await newApiKey(server, b);
  await newSignedInUser(server, a, "admin");
  mandateOfB = (await createMandate(server, { organisationId: b, secret: keyOfB.secret })).id;
  await createMandate(server, { organisationId: a, secret: (await newApiKey(server, a)).secret });
});

afterAll(() => server?.close());

/** runtime runs SQL as the server's own role, in a transaction with the given settings. */
function runtimeSql<T>(sql: string, settings: { organisation?: string; crossTenant?: string } = {}): Promise<T[]> {
  return server.database.orm.em.fork().transactional(async (em) => {
    await em.execute("select set_config('dd.organisation_id', ?, true), set_config('dd.cross_tenant', ?, true)", [
      settings.organisation ?? "",
      settings.crossTenant ?? "",
    ]);
    return em.execute<T[]>(sql);
  });
}

/** refusal returns the database's message for a statement run as the server's role, or "" if it ran. */
async function refusal(sql: string, settings: { organisation?: string } = {}): Promise<string> {
  try {
    await runtimeSql(sql, settings);
    return "";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("the runtime role", () => {
  it("is neither superuser nor BYPASSRLS, and the server knows row-level security holds it", async () => {
    const [role] = await server.database.orm.em
      .fork()
      .execute<{ rolsuper: boolean; rolbypassrls: boolean; name: string }[]>(
        "select rolname as name, rolsuper, rolbypassrls from pg_roles where rolname = current_user",
      );
    expect(role).toMatchObject({ rolsuper: false, rolbypassrls: false });
    expect(role?.name).toMatch(/_app$/);
    expect(server.database.bypassesRowLevelSecurity).toBe(false);
  });

  it("sees no row of any tenant table without the setting, though the rows are there", async () => {
    const [seenByAdmin] = await server.admin.em.fork().execute<{ n: string }[]>("select count(*) as n from mandate");
    expect(Number(seenByAdmin?.n)).toBeGreaterThanOrEqual(2);
    const outside = await server.database.orm.em.fork().execute<{ n: string }[]>("select count(*) as n from mandate");
    expect(Number(outside[0]?.n)).toBe(0);
    const [inside] = await runtimeSql<{ n: string }>("select count(*) as n from mandate");
    expect(Number(inside?.n)).toBe(0);
    const organisations = await runtimeSql<{ id: string }>("select id from organisation");
    expect(organisations).toEqual([]);
  });

  it("sees only its organisation's rows with the setting, and may not write another's", async () => {
    const rows = await runtimeSql<{ organisation_id: string }>("select organisation_id from mandate", {
      organisation: a,
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.organisation_id))).toEqual(new Set([a]));
    expect(await runtimeSql("select id from organisation", { organisation: a })).toEqual([{ id: a }]);
    // A's transaction cannot move B's mandate, nor plant a row in B's name.
    const moved = await runtimeSql<{ id: string }>(
      `update mandate set reference = 'MOVED' where id = '${mandateOfB}' returning id`,
      { organisation: a },
    );
    expect(moved).toEqual([]);
    expect(
      await refusal(
        `insert into notification (id, organisation_id, type, resource_type, resource_id, message, create_time)
         values ('NTrls', '${b}', 'x', 'mandate', '${mandateOfB}', 'planted', now())`,
        { organisation: a },
      ),
    ).toMatch(/row-level security policy/);
  });

  it("sees every organisation only in a transaction that names a cross-tenant purpose", async () => {
    const rows = await runtimeSql<{ organisation_id: string }>("select distinct organisation_id from mandate", {
      crossTenant: "bacs processing",
    });
    expect(new Set(rows.map((r) => r.organisation_id))).toEqual(new Set([a, b]));
    const viaDoor = await acrossTenants(server.database.orm, "operator command", (em) =>
      em.execute<{ n: string }[]>("select count(distinct organisation_id) as n from mandate"),
    );
    expect(Number(viaDoor[0]?.n)).toBe(2);
    const viaTenant = await withTenant(server.database.orm, b, (em) =>
      em.execute<{ n: string }[]>("select count(distinct organisation_id) as n from mandate"),
    );
    expect(Number(viaTenant[0]?.n)).toBe(1);
  });

  it("may not change the schema, rewrite the audit trail or the migration record", async () => {
    expect(await refusal("create table intruder (id int)")).toMatch(/permission denied/);
    expect(await refusal("alter table mandate disable row level security")).toMatch(/must be owner/);
    expect(await refusal("update audit_event set action = 'x'", { organisation: a })).toMatch(/permission denied/);
    expect(await refusal("delete from audit_event", { organisation: a })).toMatch(/permission denied/);
    expect(await refusal("delete from mikro_orm_migrations")).toMatch(/permission denied/);
    const [audits] = await server.admin.em
      .fork()
      .execute<{ n: string }[]>("select count(*) as n from audit_event where organisation_id = ?", [a]);
    expect(Number(audits?.n)).toBeGreaterThan(0);
  });
});

describe("the schema", () => {
  it("forces a tenant policy on every table with an organisation, and on organisation itself", async () => {
    const tables = await server.admin.em
      .fork()
      .execute<{ table: string; rls: boolean; forced: boolean; policies: string }[]>(
        `select c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
              (select count(*) from pg_policy p where p.polrelid = c.oid) as policies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and (c.relname = 'organisation' or exists (select 1 from information_schema.columns col
                where col.table_schema = 'public' and col.table_name = c.relname and col.column_name = 'organisation_id'))
        order by 1`,
      );
    expect(tables.length).toBe(17);
    for (const table of tables)
      expect({ ...table, policies: Number(table.policies) }).toEqual({
        table: table.table,
        rls: true,
        forced: true,
        policies: 1,
      });
  });

  it("refuses a row that points at another organisation's row (composite foreign keys)", async () => {
    // Past RLS (as the superuser), so only the foreign key stands in the way.
    const repointed = server.admin.em
      .fork()
      .execute(`update mandate_invite set mandate_id = '${mandateOfB}' where organisation_id = '${a}'`);
    await expect(repointed).rejects.toThrow(/mandate_invite_organisation_id_mandate_id_foreign/);
  });
});
