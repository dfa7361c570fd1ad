/**
 * statement_timeout on the service's connections (issue 11, growth and time): a statement that runs
 * too long is stopped by PostgreSQL, the call answers DEADLINE_EXCEEDED (DATABASE_TIMEOUT) with
 * nothing written, and the connection serves the next call. Reports raise the bound for their own
 * transaction only (allowLongerStatements). Slowness is planted with a trigger that sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowLongerStatements } from "../src/platform/db/statement-timeout.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const statementTimeoutMs = 300;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ statementTimeoutMs });
  const admin = server.admin.em.fork();
  await admin.execute(
    `create function slow_payer() returns trigger language plpgsql as $$
     begin if new.payer_email like 'slow%' then perform pg_sleep(2); end if; return new; end $$`,
  );
  await admin.execute(`create trigger slow_payer before insert on mandate for each row execute function slow_payer()`);
});
afterAll(async () => server?.close());

const createMandate = (secret: string, email: string) =>
  fetch(`${server.baseUrl}/v1/mandates`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ payer: { name: "Timed Payer", email } }),
  });

describe("statement_timeout", () => {
  it("stops a statement that runs too long: DEADLINE_EXCEEDED, nothing written, the next call served", async () => {
    const organisationId = await newOrganisation(server);
    const { secret } = await newApiKey(server, organisationId);
    const started = performance.now();
    const slow = await createMandate(secret, "slow@example.com");
    const elapsed = performance.now() - started;
    expect(slow.status).toBe(504);
    const body = (await slow.json()) as { code: string; details: { reason?: string }[] };
    expect(body.code).toBe("deadline_exceeded");
    expect(body.details.map((d) => d.reason)).toContain("DATABASE_TIMEOUT");
    expect(elapsed).toBeLessThan(2_000);
    const written = await server.admin.em
      .fork()
      .execute(`select 1 from "mandate" where "payer_email" = 'slow@example.com'`);
    expect(written).toEqual([]);
    expect((await createMandate(secret, "quick@example.com")).status).toBe(200);
  });

  it("lets a transaction that asks for it run longer, and only that transaction", async () => {
    const organisationId = await newOrganisation(server);
    const sleep = "select pg_sleep(0.6)";
    await expect(withTenant(server.database.orm, organisationId, (em) => em.execute(sleep))).rejects.toThrow(
      /statement timeout/,
    );
    await withTenant(server.database.orm, organisationId, async (em) => {
      await allowLongerStatements(em, 5_000);
      await em.execute(sleep);
    });
    await expect(withTenant(server.database.orm, organisationId, (em) => em.execute(sleep))).rejects.toThrow(
      /statement timeout/,
    );
  });
});
