/**
 * SIGTERM under load (issue 11, faults): the real service, as a process on real PostgreSQL, gets
 * SIGTERM while 200 calls, each on its own connection, are in flight: 50 CreateMandate and 150
 * ListMandates (writes cost the most; 200 of them at once on this 2-core machine would queue past
 * the pool's 5 s bound and be shed with UNAVAILABLE, which is not what this test is about). Every
 * call completes, every mandate is written, and the process then exits 0 by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entities } from "../src/entities.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { Provisioning } from "../src/modules/identity/provisioning.js";
import { systemClock } from "../src/platform/clock.js";
import { type Database, openDatabase } from "../src/platform/db/database.js";
import { acrossTenants } from "../src/platform/db/tenant-session.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { issueKeyInDatabase } from "./support/fixtures.js";
import { type ServiceProcess, serviceSecrets, startService } from "./support/service-process.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

const concurrent = 200;
const writes = 50;
let testDatabase: TestDatabase;
let database: Database;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase({
    entities,
    databaseUrl: testDatabase.url,
    migrationUrl: testDatabase.migrationUrl,
    dataDir: "/nonexistent",
    logger: createLogger("silent"),
  });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await database?.close();
  await testDatabase?.drop();
}, 60_000);

describe("SIGTERM while 200 calls are in flight", { timeout: 240_000 }, () => {
  it("completes every call, writes every mandate, then exits 0", async () => {
    const organisation = await acrossTenants(database.orm, "provisioning", (em) =>
      new Provisioning({ clock: systemClock }).createOrganisation(em, { name: "Draining", sandbox: false }),
    );
    await acrossTenants(database.orm, "provisioning", (em) =>
      em.nativeUpdate(Organisation, { id: organisation.id }, { rateLimitPerMinute: 100_000, rateLimitBurst: 10_000 }),
    );
    const { secret } = await issueKeyInDatabase(database.orm, organisation.id);
    service = startService({ ...testDatabase.env, ...serviceSecrets, SHUTDOWN_GRACE_MS: "60000" });
    const { port } = await service.waitFor("listening");

    let answeredBeforeSignal = 0;
    let signalled = false;
    let signalAt = 0;
    const calls = Array.from({ length: concurrent }, async (_, i) => {
      const url = `http://127.0.0.1:${port}/v1/mandates`;
      const authorization = `Bearer ${secret}`;
      const res =
        i % (concurrent / writes) === 0
          ? await fetch(url, {
              method: "POST",
              headers: { authorization, "content-type": "application/json" },
              body: JSON.stringify({ payer: { name: `Payer ${i}`, email: `drain-${i}@example.com` } }),
            })
          : await fetch(`${url}?page_size=20`, { headers: { authorization } });
      // The first answer proves the calls are being served: the signal goes now, with the rest in flight.
      if (!signalled) {
        signalled = true;
        signalAt = performance.now();
        service!.child.kill("SIGTERM");
      } else if (signalAt === 0) answeredBeforeSignal++;
      return { status: res.status, body: await res.text() };
    });
    const answers = await Promise.all(calls);
    const code = await service.exited;
    const exitMs = performance.now() - signalAt;

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(code).toBe(0);
    expect(service.lines.map((l) => l.msg)).toContain("stopped");
    const [row] = await acrossTenants(database.orm, "provisioning", (em) =>
      em.execute<{ n: string }[]>(`select count(*) as n from "mandate" where "organisation_id" = ?`, [organisation.id]),
    );
    expect(Number(row?.n)).toBe(writes);
    console.log(
      JSON.stringify({
        concurrent,
        in_flight_at_sigterm: concurrent - 1 - answeredBeforeSignal,
        exit_ms: Math.round(exitMs),
      }),
    );
  });
});
