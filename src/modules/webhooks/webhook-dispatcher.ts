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
import { acrossTenants, withTenant } from "../../platform/db/tenant-session.js";
import type { Logger } from "../../platform/observability/logger.js";
import type { Metrics } from "../../platform/observability/metrics.js";
import { PeriodicTask } from "../../platform/periodic-task.js";
import type { SecretCipher } from "../../platform/secret-cipher.js";
import { type EventRenderer, publishPending } from "./event-publisher.js";
import { deliveryWindowMs, retryDelayMs } from "./retry-schedule.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { signingSecrets } from "./webhook-endpoints.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import type { AttemptOutcome, WebhookSender } from "./webhook-sender.js";
import { signatureHeader } from "./webhook-signature.js";

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
  /** Deliveries claimed (and sent at once) per round, and feed entries published per round (default 50). */
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

/** WebhookDispatcher publishes and delivers events between start() and stop(); runOnce() is one tick. */
export class WebhookDispatcher {
  private readonly task: PeriodicTask<number>;
  private readonly batchSize: number;
  private lastGauge = 0;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.batchSize = options.batchSize ?? 50;
    this.task = new PeriodicTask(options.intervalMs ?? 500, () => this.runOnce());
  }

  start(): void {
    this.task.start();
  }

  /** stop ends the ticks and waits for the attempts under way. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** runOnce publishes what is pending and sends what is due until nothing is left; it returns attempts made. */
  runOnce(): Promise<number> {
    return this.task.join(async () => {
      let attempts = 0;
      try {
        while (
          (await publishPending(this.options.orm, this.options.render, this.options.clock.now(), this.batchSize)) > 0
        );
        for (;;) {
          const claimed = await this.claimDue();
          await Promise.all(claimed.map((c) => this.attempt(c)));
          attempts += claimed.length;
          if (claimed.length < this.batchSize) break;
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

  /** attempt sends one claimed delivery (unless its endpoint is disabled) and records the outcome. */
  private async attempt({ delivery, endpoint, body, lease }: Claimed): Promise<void> {
    const { clock, metrics, sender, cipher } = this.options;
    let outcome: AttemptOutcome;
    if (endpoint.state !== "ENABLED") {
      outcome = { ok: false, status: 0, latencyMs: 0, error: "the endpoint is disabled" };
    } else {
      const now = clock.now();
      let secrets: string[];
      try {
        secrets = signingSecrets(endpoint, cipher, now);
      } catch (error) {
        // A key dropped from ACCOUNT_NUMBER_KEYS_OLD too soon: an operator must put it back.
        this.options.logger.error(
          { err: error, webhook_endpoint: endpoint.id },
          "webhook signing secret does not open",
        );
        return; // the lease runs out and the delivery is tried again
      }
      const signature = signatureHeader(body, Math.floor(now.getTime() / 1000), secrets);
      outcome = await sender.send(endpoint.url, body, {
        "dd-event-id": delivery.event.id,
        "dd-delivery-id": delivery.id,
        "dd-signature": signature,
      });
      metrics.webhookLatency.observe(outcome.latencyMs / 1000);
    }
    try {
      const recorded = await withTenant(this.options.orm, delivery.organisation.id, (tx) =>
        this.record(tx, delivery.id, lease, outcome, endpoint.state !== "ENABLED"),
      );
      if (recorded) metrics.webhookAttempts.inc({ outcome: recorded });
    } catch (error) {
      // The lease runs out and the delivery is tried again: at least once, never lost.
      this.options.logger.warn({ err: error, webhook_delivery: delivery.id }, "webhook outcome not recorded");
    }
  }

  /**
   * record writes an attempt's outcome on the delivery, if it still holds the lease (not deleted,
   * retried by hand or taken over meanwhile), and tracks the endpoint's failures: one failing for
   * the whole delivery window is disabled, its pending deliveries fail, and the hook raises an alert.
   */
  private async record(
    tx: EntityManager,
    id: string,
    lease: Date,
    outcome: AttemptOutcome,
    endpointDisabled: boolean,
  ): Promise<"succeeded" | "retrying" | "failed" | undefined> {
    const now = this.options.clock.now();
    const delivery = await tx.findOne(
      WebhookDelivery,
      { id, state: "PENDING", nextAttemptTime: lease },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!delivery) return undefined;
    if (endpointDisabled) {
      delivery.state = "FAILED";
      delivery.lastError = outcome.error ?? null;
      return "failed";
    }
    delivery.attempts += 1;
    delivery.lastAttemptTime = now;
    delivery.lastHttpStatus = outcome.status === 0 ? null : outcome.status;
    delivery.lastLatencyMs = outcome.latencyMs;
    delivery.lastError = outcome.error?.slice(0, 500) ?? null;
    if (outcome.ok) {
      delivery.state = "SUCCEEDED";
      delivery.nextAttemptTime = now;
      await tx.nativeUpdate(
        WebhookEndpoint,
        { id: delivery.endpoint.id, failingSinceTime: { $ne: null } },
        { failingSinceTime: null },
      );
      return "succeeded";
    }
    const gaveUp = now >= delivery.giveUpTime;
    if (gaveUp) delivery.state = "FAILED";
    else delivery.nextAttemptTime = new Date(now.getTime() + retryDelayMs(delivery.attempts, this.options.retryBaseMs));
    const endpoint = await tx.findOneOrFail(WebhookEndpoint, delivery.endpoint.id, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
    });
    endpoint.failingSinceTime ??= now;
    if (endpoint.state === "ENABLED" && now.getTime() - endpoint.failingSinceTime.getTime() >= deliveryWindowMs) {
      await this.disable(tx, endpoint, now);
    }
    return gaveUp ? "failed" : "retrying";
  }

  private async disable(tx: EntityManager, endpoint: WebhookEndpoint, now: Date): Promise<void> {
    const failingSince = endpoint.failingSinceTime ?? now;
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
