/**
 * SIGTERM under load (issue 11, faults): the real service, as a process on real PostgreSQL, gets
 * SIGTERM while 200 calls, each on its own connection, are in flight: 50 CreateMandate and 150
 * ListMandates. On a 2-core machine shared with the rest of the suite, 200 calls at once can queue
 * past the pool's 5 s bound and be shed with UNAVAILABLE, which is not what this test is about: the
 * service here waits as long as the grace. Every call completes, every mandate is written, and the
 * process then exits 0 by itself.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { PasswordHasher } from "../src/modules/identity/password.js";
import { Provisioning } from "../src/modules/identity/provisioning.js";
import { systemClock } from "../src/platform/clock.js";
import { acrossTenants } from "../src/platform/db/tenant-session.js";
import { issueKeyInDatabase, liveBacsIdentity } from "./support/fixtures.js";
import { type OpenTestDatabase, openTestDatabase } from "./support/open-test-database.js";
import { type ServiceProcess, serviceSecrets, startService } from "./support/service-process.js";
import { testPasswordCost } from "./support/test-password-cost.js";

const concurrent = 200;
const writes = 50;
let database: OpenTestDatabase;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  database = await openTestDatabase();
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await database?.close();
}, 60_000);

describe("SIGTERM while 200 calls are in flight", { timeout: 240_000 }, () => {
  it("completes every call, writes every mandate, then exits 0", async () => {
    const organisation = await acrossTenants(database.orm, "provisioning", (em) =>
      new Provisioning({ clock: systemClock, passwords: new PasswordHasher(testPasswordCost) }).createOrganisation(em, {
        name: "Draining",
        sandbox: false,
        ...liveBacsIdentity("Draining"),
      }),
    );
    await acrossTenants(database.orm, "provisioning", (em) =>
      em.nativeUpdate(Organisation, { id: organisation.id }, { rateLimitPerMinute: 100_000, rateLimitBurst: 10_000 }),
    );
    const { secret } = await issueKeyInDatabase(database.orm, organisation.id);
    service = startService({
      ...database.env,
      ...serviceSecrets,
      SHUTDOWN_GRACE_MS: "60000",
      DATABASE_ACQUIRE_TIMEOUT_MS: "60000",
    });
    const port = Number((await service.waitFor("listening")).port);

    // Each call on a connection of its own (node:http, no agent), so that "sent" is observable: the
    // signal goes once every connection is established and its request written in full, with
    // (nearly) all still unanswered. ("finish" alone fires before the connection is made: on a loaded
    // machine the connect could come after the port closed.)
    let answeredBeforeSignal = 0;
    let signalAt = 0;
    let sent = 0;
    const sentOne = () => {
      if (++sent === 2 * concurrent) signal();
    };
    const signal = () => {
      signalAt = performance.now();
      service!.child.kill("SIGTERM");
    };
    const calls = Array.from(
      { length: concurrent },
      (_, i) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const write = i % (concurrent / writes) === 0;
          const body = JSON.stringify({ payer: { name: `Payer ${i}`, email: `drain-${i}@example.com` } });
          const req = request(
            {
              host: "127.0.0.1",
              port,
              agent: false,
              method: write ? "POST" : "GET",
              path: write ? "/v1/mandates" : "/v1/mandates?page_size=20",
              headers: { authorization: `Bearer ${secret}`, ...(write ? { "content-type": "application/json" } : {}) },
            },
            (res) => {
              if (signalAt === 0) answeredBeforeSignal++;
              const chunks: Buffer[] = [];
              res.on("data", (chunk: Buffer) => chunks.push(chunk));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
              res.on("error", failed);
            },
          );
          // A failure names the call and when it failed against the signal. (Under full CPU load,
          // connections still in the kernel's accept queue were once reset by the port's close.)
          const failed = (error: Error) => {
            const since =
              signalAt === 0 ? "before SIGTERM" : `${Math.round(performance.now() - signalAt)} ms after SIGTERM`;
            reject(
              new Error(
                `call ${i} (${write ? "POST" : "GET"}), ${since}, ${sent} of ${2 * concurrent} sent events: ${error.message}`,
              ),
            );
          };
          req.on("error", failed);
          req.on("socket", (socket) => socket.once("connect", sentOne));
          req.on("finish", sentOne);
          req.end(write ? body : undefined);
        }),
    );
    const answers = await Promise.all(calls).catch((error: Error) => {
      const tail = service!.lines.slice(-20).map((l) => JSON.stringify(l));
      throw new Error(`${error.message}\nservice log, last lines:\n${tail.join("\n")}`);
    });
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
        in_flight_at_sigterm: concurrent - answeredBeforeSignal,
        exit_ms: Math.round(exitMs),
      }),
    );
  });
});
