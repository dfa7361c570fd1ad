/**
 * webhook-dispatcher.ts runs on every replica: each tick it publishes new feed entries as deliveries
 * (event-publisher.ts) and sends the deliveries that are due.
 *
 * A due delivery is claimed, FOR UPDATE SKIP LOCKED across organisations, by moving its
 * next_attempt_time a lease ahead (a minute, well beyond the 10 s an attempt may take) and
 * committing; the attempt runs outside any transaction, and its outcome is recorded only if the
 * delivery still holds that lease. So replicas never send one delivery at once, no connection is
 * held while a receiver thinks, and a replica killed mid-attempt leaves the delivery due again when
 * its lease runs out: delivery is at least once, and exactly once when nothing fails.
 */
import { LockMode } from "@mikro-orm/core";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import type { Logger } from "../../platform/observability/logger.js";
import type { Metrics } from "../../platform/observability/metrics.js";
import { PeriodicTask } from "../../platform/periodic-task.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import { type EventRenderer, publishPending } from "./event-publisher.js";
import { deliveryWindowMs, retryDelayMs } from "./retry-schedule.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import type { AttemptOutcome, WebhookSender } from "./webhook-sender.js";
import { signatureHeader, signingSecrets } from "./webhook-signature.js";

/** EndpointDisabledHook is told, in the transaction that disables it, of an endpoint that failed for 3 days. */
export type EndpointDisabledHook = (
  em: EntityManager,
  organisationId: string,
  endpoint: WebhookEndpoint,
  failingSince: Date,
) => Promise<void>;

/** WebhookDispatcherOptions are the dispatcher's dependencies and pace. */
export interface WebhookDispatcherOptions {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, "webhookAttempts" | "webhookLatency" | "webhookOldestPending">;
  sender: WebhookSender;
  cipher: SecretCipher;
  render: EventRenderer;
  onEndpointDisabled: EndpointDisabledHook;
  /** Time between ticks, ms (default 500). */
  intervalMs?: number | undefined;
  /** The first retry's wait, ms (default 1 minute; retry-schedule.ts). */
  retryBaseMs?: number | undefined;
  /** Deliveries claimed (and sent together) per batch, and feed entries published per batch (default 50). */
  batchSize?: number | undefined;
}

/** A claimed delivery, with what its attempt needs. */
interface Claimed {
  delivery: WebhookDelivery;
  endpoint: WebhookEndpoint;
  body: string;
  lease: Date;
}

const leaseMs = 60_000;
const batchesInFlight = 4;

/** WebhookDispatcher publishes and delivers events between start() and stop(); runOnce() is one tick. */
export class WebhookDispatcher {
  private readonly task: PeriodicTask<number>;
  private readonly batchSize: number;
  private lastGauge = 0;
  private stopping = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.batchSize = options.batchSize ?? 50;
    this.task = new PeriodicTask(options.intervalMs ?? 500, () => this.runOnce());
  }

  start(): void {
    this.task.start();
  }

  /** stop ends the ticks: the run under way claims nothing more, and its attempts in flight finish. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.task.stop();
  }

  /** runOnce publishes what is pending and sends what is due until nothing is left; it returns attempts made. */
  runOnce(): Promise<number> {
    return this.task.join(async () => {
      let attempts = 0;
      try {
        while (
          !this.stopping &&
          (await publishPending(this.options.orm, this.options.render, this.options.clock.now(), this.batchSize)) > 0
        );
      } catch (error) {
        // What was published is delivered all the same; the rest is published at the next tick.
        this.options.logger.warn({ err: error }, "webhook events not published; the next tick tries again");
      }
      try {
        // Up to batchesInFlight batches at once: a receiver that takes its 10 s holds up its own
        // batch only, not the deliveries of every other endpoint behind it.
        const inFlight = new Set<Promise<void>>();
        try {
          while (!this.stopping) {
            const claimed = await this.claimDue();
            attempts += claimed.length;
            const delivering = this.deliver(claimed).finally(() => inFlight.delete(delivering));
            inFlight.add(delivering);
            if (claimed.length < this.batchSize) break;
            if (inFlight.size >= batchesInFlight) await Promise.race(inFlight);
          }
        } finally {
          await Promise.all(inFlight); // deliver never rejects: it logs its own failures
        }
        await this.measureOldest();
      } catch (error) {
        this.options.logger.warn({ err: error }, "webhook dispatch failed; the next tick tries again");
      }
      return attempts;
    });
  }

  /** claimDue leases a batch of due deliveries to this replica and loads what their attempts need. */
  private claimDue(): Promise<Claimed[]> {
    const now = this.options.clock.now();
    const lease = new Date(now.getTime() + leaseMs);
    return acrossTenants(this.options.orm, "webhook delivery", async (tx) => {
      const due = await tx.find(
        WebhookDelivery,
        { state: "PENDING", nextAttemptTime: { $lte: now } },
        {
          filters: false,
          lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
          orderBy: { nextAttemptTime: "asc", id: "asc" },
          limit: this.batchSize,
        },
      );
      if (due.length === 0) return [];
      for (const delivery of due) delivery.nextAttemptTime = lease;
      const endpoints = await tx.find(
        WebhookEndpoint,
        { id: { $in: [...new Set(due.map((d) => d.endpoint.id))] } },
        { filters: false },
      );
      const events = await tx.find(
        WebhookEvent,
        { id: { $in: [...new Set(due.map((d) => d.event.id))] } },
        { filters: false },
      );
      const endpointOf = new Map(endpoints.map((e) => [e.id, e]));
      const bodyOf = new Map(events.map((e) => [e.id, e.body]));
      return due.map((delivery) => ({
        delivery,
        endpoint: endpointOf.get(delivery.endpoint.id)!,
        body: bodyOf.get(delivery.event.id)!,
        lease,
      }));
    });
  }

  /** send makes one claimed delivery's attempt (none for a disabled endpoint) and says what it got. */
  private async send({ delivery, endpoint, body }: Claimed): Promise<AttemptOutcome> {
    const { clock, metrics, sender, cipher } = this.options;
    if (endpoint.state !== "ENABLED")
      return { ok: false, status: 0, latencyMs: 0, error: "the endpoint is disabled", notSent: true };
    const now = clock.now();
    let secrets: string[];
    try {
      secrets = signingSecrets(endpoint, cipher, now);
    } catch (error) {
      // A key dropped from ACCOUNT_NUMBER_KEYS_OLD before `ddctl account-numbers re-encrypt` ran:
      // an operator must put it back. Until then the attempts fail like any other, and are retried.
      this.options.logger.error({ err: error, webhook_endpoint: endpoint.id }, "webhook signing secret does not open");
      return {
        ok: false,
        status: 0,
        latencyMs: 0,
        error: "not sent: the signing secret cannot be read (ours to fix)",
        notSent: true,
      };
    }
    const outcome = await sender.send(endpoint.url, body, {
      "dd-event-id": delivery.event.id,
      "dd-delivery-id": delivery.id,
      // A receiver serving several organisations at one URL knows from it which secret to check with.
      "dd-webhook-endpoint-id": endpoint.id,
      "dd-signature": signatureHeader(body, Math.floor(now.getTime() / 1000), secrets),
    });
    if (outcome.latencyMs > 0) metrics.webhookLatency.observe(outcome.latencyMs / 1000);
    return outcome;
  }

  /** deliver sends a claimed batch at once and records the outcomes together. */
  private async deliver(claimed: readonly Claimed[]): Promise<void> {
    if (claimed.length === 0) return;
    const outcomes = await Promise.all(claimed.map((c) => this.send(c)));
    const attempted = claimed.map((c, i) => ({ ...c, outcome: outcomes[i]! }));
    try {
      const { counts, toDisable } = await acrossTenants(this.options.orm, "webhook delivery", (tx) =>
        this.record(tx, attempted),
      );
      for (const [outcome, n] of counts) this.options.metrics.webhookAttempts.inc({ outcome }, n);
      for (const endpoint of toDisable) {
        await this.disable(endpoint).catch((error: unknown) =>
          this.options.logger.warn({ err: error, webhook_endpoint: endpoint.id }, "webhook endpoint not disabled yet"),
        );
      }
    } catch (error) {
      // The leases run out and the deliveries are tried again: at least once, never lost.
      this.options.logger.warn({ err: error }, "webhook outcomes not recorded; the deliveries will be tried again");
    }
  }

  /**
   * record writes each attempt's outcome on its delivery, if the delivery still holds the lease (not
   * deleted, or taken over by another replica after its lease ran out), and tracks the endpoints' failures: those
   * failing for the whole delivery window are returned, to be disabled.
   */
  private async record(
    tx: EntityManager,
    attempted: readonly (Claimed & { outcome: AttemptOutcome })[],
  ): Promise<{ counts: Map<string, number>; toDisable: WebhookEndpoint[] }> {
    const now = this.options.clock.now();
    const counts = new Map<string, number>();
    const count = (outcome: string) => counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    // Endpoints first, in id order, then deliveries: the order deleting or disabling an endpoint
    // takes too, so no two transactions wait on each other.
    await tx.find(
      WebhookEndpoint,
      { id: { $in: [...new Set(attempted.map((a) => a.endpoint.id))] } },
      { filters: false, lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: "asc" } },
    );
    const rows = await tx.find(
      WebhookDelivery,
      { id: { $in: attempted.map((a) => a.delivery.id) }, state: "PENDING" },
      { filters: false, lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const answering = new Set<string>();
    const failing = new Set<string>();
    for (const { delivery: claimed, lease, outcome, endpoint } of attempted) {
      const delivery = byId.get(claimed.id);
      if (!delivery || delivery.nextAttemptTime.getTime() !== lease.getTime()) continue;
      if (endpoint.state !== "ENABLED") {
        delivery.state = "FAILED";
        delivery.lastError = outcome.error ?? null;
        count("not_sent");
        continue;
      }
      delivery.attempts += 1;
      delivery.lastAttemptTime = now;
      delivery.lastHttpStatus = outcome.status === 0 ? null : outcome.status;
      delivery.lastLatencyMs = outcome.latencyMs;
      delivery.lastError = outcome.error?.slice(0, 500) ?? null;
      if (outcome.ok) {
        delivery.state = "SUCCEEDED";
        delivery.nextAttemptTime = now;
        answering.add(endpoint.id);
        count("succeeded");
      } else {
        // A failure of ours (a secret we cannot read) is not the receiver's: it counts no failure of it.
        if (!outcome.notSent) failing.add(endpoint.id);
        if (now >= delivery.giveUpTime) {
          delivery.state = "FAILED";
          count("failed");
        } else {
          // The last attempt falls at the end of the window, not past it.
          const wait = retryDelayMs(delivery.attempts, this.options.retryBaseMs);
          delivery.nextAttemptTime = new Date(Math.min(now.getTime() + wait, delivery.giveUpTime.getTime()));
          count(outcome.notSent ? "not_sent" : "retrying");
        }
      }
    }
    // An endpoint that answered once in this batch is not failing, whatever else it did.
    for (const id of answering) failing.delete(id);
    if (answering.size > 0)
      await tx.nativeUpdate(
        WebhookEndpoint,
        { id: { $in: [...answering] }, failingSinceTime: { $ne: null } },
        { failingSinceTime: null },
        { filters: false },
      );
    if (failing.size === 0) return { counts, toDisable: [] };
    await tx.nativeUpdate(
      WebhookEndpoint,
      { id: { $in: [...failing] }, failingSinceTime: null },
      { failingSinceTime: now },
      { filters: false },
    );
    const toDisable = await tx.find(
      WebhookEndpoint,
      {
        id: { $in: [...failing] },
        state: "ENABLED",
        failingSinceTime: { $lte: new Date(now.getTime() - deliveryWindowMs) },
      },
      { filters: false },
    );
    return { counts, toDisable };
  }

  /**
   * disable turns off an endpoint that failed for the whole delivery window, in its organisation's
   * transaction (the alert is raised there): its pending deliveries fail, and the hook raises an alert.
   */
  private async disable(found: WebhookEndpoint): Promise<void> {
    const now = this.options.clock.now();
    await withTenant(this.options.orm, found.organisation.id, async (tx) => {
      const endpoint = await tx.findOne(WebhookEndpoint, { id: found.id, state: "ENABLED" }, lockForChange());
      const failingSince = endpoint?.failingSinceTime;
      if (!endpoint || !failingSince || now.getTime() - failingSince.getTime() < deliveryWindowMs) return;
      endpoint.state = "DISABLED";
      endpoint.updateTime = now;
      await tx.flush();
      await tx.nativeUpdate(
        WebhookDelivery,
        { endpoint: endpoint.id, state: "PENDING" },
        { state: "FAILED", lastError: "the endpoint was disabled after failing for 3 days" },
      );
      this.options.logger.warn(
        { webhook_endpoint: endpoint.id, organisation_id: endpoint.organisation.id },
        "webhook endpoint disabled after failing for 3 days",
      );
      await this.options.onEndpointDisabled(tx, endpoint.organisation.id, endpoint, failingSince);
    });
  }

  /** measureOldest sets the oldest-pending gauge, at most every 5 seconds. */
  private async measureOldest(): Promise<void> {
    const now = this.options.clock.now().getTime();
    if (now - this.lastGauge < 5_000) return;
    this.lastGauge = now;
    const oldest = await acrossTenants(this.options.orm, "webhook delivery", (tx) =>
      tx.findOne(
        WebhookDelivery,
        { state: "PENDING" },
        { filters: false, orderBy: { createTime: "asc" }, fields: ["createTime"] },
      ),
    );
    this.options.metrics.webhookOldestPending.set(oldest ? Math.max(0, (now - oldest.createTime.getTime()) / 1000) : 0);
  }
}
