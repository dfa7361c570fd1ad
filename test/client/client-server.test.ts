/**
 * The TypeScript client (clients/typescript) against a real server: over the rate limit it waits as
 * the service says and every call gets through; with answers lost on the way back, each retry of a
 * write carries its first Idempotency-Key, so the service makes exactly what was asked. Connect and
 * gRPC alike.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takesIdempotencyKey } from "../../clients/typescript/src/idempotency.js";
import { createDirectDebitClient, serviceWaitMs } from "../../clients/typescript/src/node.js";
import { Organisation } from "../../src/modules/identity/organisation.entity.js";
import { Mandate } from "../../src/modules/mandates/mandate.entity.js";
import { ddServices } from "../../src/routes.js";
import { idempotencyKeyRefusal } from "../../src/rpc/interceptors/idempotency.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { scopedTo } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

/** organisationLimitedTo makes an organisation with its own rate limit and an API key. */
async function organisationLimitedTo(perMinute: number, burst: number) {
  const organisationId = await newOrganisation(server, true);
  await server.admin.em
    .fork()
    .nativeUpdate(Organisation, { id: organisationId }, { rateLimitPerMinute: perMinute, rateLimitBurst: burst });
  return { organisationId, secret: (await newApiKey(server, organisationId)).secret };
}

describe("the TypeScript client", () => {
  it("offers an Idempotency-Key exactly where the service takes one", () => {
    for (const method of ddServices.flatMap((s) => s.methods))
      expect(takesIdempotencyKey(method), method.name).toBe(idempotencyKeyRefusal(method) === undefined);
  });

  it.each(["connect", "grpc"] as const)(
    "over %s, gets 20 calls through a limit of 60 a minute (burst 5), never retrying before Retry-After",
    async (protocol) => {
      const { secret } = await organisationLimitedTo(60, 5);
      const attempts: { sent: number; refused?: number; waitMs?: number }[] = [];
      const watch: Interceptor = (next) => async (req) => {
        const attempt: (typeof attempts)[number] = { sent: Date.now() };
        attempts.push(attempt);
        try {
          return await next(req);
        } catch (error) {
          attempt.refused = Date.now();
          attempt.waitMs = serviceWaitMs(ConnectError.from(error));
          throw error;
        }
      };
      const client = createDirectDebitClient({
        baseUrl: server.baseUrl,
        apiKey: secret,
        protocol,
        interceptors: [watch],
      });
      for (let i = 0; i < 20; i++) await client.mandates.listMandates({});
      const refused = attempts.filter((a) => a.refused !== undefined);
      expect(refused.length).toBeGreaterThan(0);
      for (const [i, attempt] of attempts.entries()) {
        if (attempt.refused === undefined) continue;
        const next = attempts[i + 1]!;
        expect(attempt.waitMs).toBeGreaterThan(0);
        expect(next.sent - attempt.refused).toBeGreaterThanOrEqual(attempt.waitMs! - 5);
      }
    },
    60_000,
  );

  it.each(["connect", "grpc"] as const)(
    "over %s, makes exactly 30 mandates from 30 concurrent creates whose first answers are lost",
    async (protocol) => {
      const { organisationId, secret } = await organisationLimitedTo(100_000, 10_000);
      const answered = new Set<string>();
      // The service did the work; the answer never reached us (a dropped connection).
      const loseFirstAnswer: Interceptor = (next) => async (req) => {
        const key = req.header.get("Idempotency-Key") ?? "";
        const response = await next(req);
        if (!answered.has(key)) {
          answered.add(key);
          throw new ConnectError("connection reset before the answer", Code.Unavailable);
        }
        return response;
      };
      const client = createDirectDebitClient({
        baseUrl: server.baseUrl,
        apiKey: secret,
        protocol,
        interceptors: [loseFirstAnswer],
      });
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          client.mandates.createMandate({
            mandate: { payer: { name: `Payer ${i}`, email: `payer-${protocol}-${i}@example.com` } },
          }),
        ),
      );
      expect(answered.size).toBe(30);
      expect(new Set(created.map((m) => m.id)).size).toBe(30);
      const stored = await scopedTo(server, { organisationId }).count(Mandate, {});
      expect(stored).toBe(30);
    },
    60_000,
  );
});
