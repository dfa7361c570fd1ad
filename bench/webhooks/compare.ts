/**
 * compare.ts measures webhook delivery against a bare `fetch` loop posting the same bodies to the
 * same local receiver: events delivered per second when a backlog drains (the feed entries are
 * committed first, then one dispatcher publishes, signs, posts and records them), and the time from
 * an event's commit to its arrival at the receiver when events come one at a time (p50, p99). The
 * dispatcher runs at its production pace (a tick every 500 ms), so that is the latency integrators
 * see. The database is made for the run and dropped afterwards.
 */
import { createApp } from "../../src/app.js";
import { rateLimitDefaults } from "../../src/config.js";
import { entities } from "../../src/entities.js";
import { recordNotification } from "../../src/modules/notifications/notifications.js";
import { systemClock } from "../../src/platform/clock.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { acrossTenants, withTenant } from "../../src/platform/db/tenant-session.js";
import { createLogger } from "../../src/platform/observability/logger.js";
import { createMetrics } from "../../src/platform/observability/metrics.js";
import { createTestDatabase } from "../../test/support/test-database.js";
import { startReceiver } from "../../test/support/webhook-receiver.js";

/** A mandate id that names no row: the events then carry no resource, and the bodies stay alike. */
const benchMandateId = `MD${"0".repeat(21)}BENCH`;

/** percentile of sorted values, nearest rank. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** DeliveryComparison is what one run measured. */
export interface DeliveryComparison {
  events: number;
  oursPerSecond: number;
  barePerSecond: number;
  latencyEvents: number;
  p50Ms: number;
  p99Ms: number;
}

/** compareDeliveries runs both sides over `events` events (drain) and 200 single ones (latency). */
export async function compareDeliveries(events = 2_000): Promise<DeliveryComparison> {
  const receiver = await startReceiver();
  const { url } = receiver;
  const arrivalOf = (id: string) => receiver.received.find((r) => r.headers["dd-event-id"] === id)?.at;
  const testDatabase = await createTestDatabase();
  const logger = createLogger("warn");
  const database = await openDatabase({
    entities,
    databaseUrl: testDatabase.url,
    migrationUrl: testDatabase.migrationUrl,
    dataDir: "/nonexistent",
    logger,
    poolMax: 4,
  });
  const app = createApp({
    orm: database.orm,
    logger,
    clock: systemClock,
    redis: undefined,
    redisKeyPrefix: "ddbench:",
    corsOrigins: [],
    sessionCookieSecure: true,
    rateLimit: rateLimitDefaults,
    metrics: createMetrics(),
    webhooks: { allowPrivateNetworks: true },
  });
  try {
    const organisationId = (
      await acrossTenants(database.orm, "provisioning", (em) =>
        app.provisioning.createOrganisation(em, {
          name: "Webhook bench",
          sandbox: true,
        }),
      )
    ).id;
    const acting = { organisationId, actor: "operator" };
    await withTenant(database.orm, organisationId, (em) =>
      app.webhookEndpoints.create(em, acting, {
        url,
        eventTypes: ["mandate.created"],
        description: "bench",
        state: undefined,
      }),
    );
    const commit = async (count: number): Promise<Map<string, number>> => {
      const ids: string[] = [];
      await withTenant(database.orm, organisationId, async (em) => {
        for (let i = 0; i < count; i++) {
          const entry = recordNotification(em, {
            organisationId,
            type: "mandate.created",
            resourceType: "mandate",
            resourceId: benchMandateId,
            mandateId: benchMandateId,
            message: `Mandate MD… (reference BENCH-${i}) created; the payer was sent an invite`,
            time: new Date(),
          });
          ids.push(`EV${entry.id.slice(2)}`);
        }
      });
      const committed = performance.now();
      return new Map(ids.map((id) => [id, committed]));
    };

    // Drain: the backlog committed first, then delivered as fast as one dispatcher goes.
    for (let i = 0; i < events; i += 500) await commit(Math.min(500, events - i));
    const drainStart = performance.now();
    while (receiver.received.length < events) await app.webhookDispatcher.runOnce();
    const oursPerSecond = events / ((performance.now() - drainStart) / 1000);

    // The same bodies by a bare fetch loop, 50 at once: one batch of the dispatcher (which has up
    // to four batches in flight, so the bare side is, if anything, the slower configuration).
    const sent = receiver.received.map((r) => r.body);
    const bareStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < sent.length) {
          const body = sent[next++]!;
          const answer = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
          await answer.arrayBuffer();
        }
      }),
    );
    const barePerSecond = sent.length / ((performance.now() - bareStart) / 1000);

    // Latency: one event at a time, the dispatcher on its production timer.
    app.webhookDispatcher.start();
    const latencies: number[] = [];
    const latencyEvents = 200;
    for (let i = 0; i < latencyEvents; i++) {
      const [[id, committed]] = [...(await commit(1))] as [[string, number]];
      let arrived = arrivalOf(id);
      for (; arrived === undefined; arrived = arrivalOf(id)) await new Promise((resolve) => setTimeout(resolve, 5));
      latencies.push(arrived - committed);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 40));
    }
    latencies.sort((a, b) => a - b);
    return {
      events,
      oursPerSecond,
      barePerSecond,
      latencyEvents,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    await app.stop();
    await database.close();
    await testDatabase.drop();
    await receiver.close();
  }
}

/** renderDeliveryTable prints the comparison as a Markdown table. */
export function renderDeliveryTable(c: DeliveryComparison): string {
  return [
    "Webhook delivery (one replica, local receiver answering 200 at once)",
    "",
    "| measure | ours | bare fetch loop | ours ÷ bare |",
    "|---|---:|---:|---:|",
    `| events/s draining ${c.events} committed events | ${c.oursPerSecond.toFixed(0)} | ${c.barePerSecond.toFixed(0)} | ${(c.oursPerSecond / c.barePerSecond).toFixed(2)} |`,
    `| commit → arrival, ${c.latencyEvents} single events, p50 / p99 (dispatcher every 500 ms) | ${c.p50Ms.toFixed(0)} / ${c.p99Ms.toFixed(0)} ms | | |`,
  ].join("\n");
}
