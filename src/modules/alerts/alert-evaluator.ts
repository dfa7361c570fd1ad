/**
 * alert-evaluator.ts raises alerts when an outcome crosses a threshold. It runs inside the
 * transaction that records the outcome (a failed or charged-back collection, a mandate cancelled by
 * the payer or their bank), so the outcome and its alert are committed together or not at all.
 *
 * Per outcome: flush the outcome (so the window counts see it), lock the organisation's threshold
 * row of the type concerned (FOR UPDATE: concurrent outcomes of one organisation evaluate one after
 * the other, so two of them cannot both see "no open alert" and raise two), count the window in
 * PostgreSQL through the (organisation_id, state, time) indexes, and raise an alert, with its
 * ALERT_RAISED notification, when the value crosses the limit and no unresolved alert of that
 * threshold exists. An open alert absorbs later crossings until someone resolves it; the next
 * crossing after that raises a new one.
 *
 * Window counts, over everything after now − window (no upper bound: an outcome stamped a few
 * milliseconds ahead by another replica's clock still counts):
 * - COLLECTION_FAILURE_RATE: collections whose outcome happened in the window, by their current
 *   state: FAILED ÷ (PAID_OUT + FAILED + CHARGED_BACK), judged once there are min_sample_size
 *   outcomes; raised when above failure_rate_percent.
 * - CLAWBACKS: collections charged back in the window; raised at count or more.
 * - MANDATE_CANCELLATIONS: mandates cancelled in the window by anyone but the organisation (the
 *   payer, their bank through ADDACS, the sandbox playing those); raised at count or more.
 * - COLLECTION_FAILED: the failed collection itself, when its amount is at least min_amount_minor;
 *   one alert per failed collection (again when it fails again after a retry, unless its alert is
 *   still unresolved).
 * - WEBHOOK_ENDPOINT_DISABLED: an endpoint was disabled after 3 days of failed deliveries; one open
 *   alert at a time, whose message names the endpoint.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { newId } from "../../platform/ids.js";
import type { Collection } from "../collections/collection.entity.js";
import { pounds } from "../collections/collection-state-change.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { recordNotification } from "../notifications/notifications.js";
import { Alert } from "./alert.entity.js";
import { AlertThreshold } from "./alert-threshold.entity.js";
import { ensureThresholds } from "./alert-thresholds.js";
import type { AlertTypeName } from "./alert-types.js";

/** Window is the stretch of time a threshold looks at: (start, end], end being when it was evaluated. */
interface Window {
  start: Date;
  end: Date;
}

/** A raised alert's values, before it is stored. */
interface Crossing {
  observed: number;
  limit: number;
  message: string;
  window?: Window;
  collection?: Collection;
  mandateId?: string;
}

/** AlertEvaluator is called by whatever records an outcome, inside its transaction. */
export class AlertEvaluator {
  constructor(private readonly clock: Clock) {}

  /** collectionOutcome evaluates the thresholds a collection's new state concerns. */
  async collectionOutcome(tx: EntityManager, collection: Collection): Promise<void> {
    if (collection.state === "FAILED") {
      await this.evaluate(tx, collection.organisation.id, "COLLECTION_FAILED", async (t) =>
        collection.amountMinor >= t.minAmountMinor
          ? {
              observed: collection.amountMinor,
              limit: t.minAmountMinor,
              message: `Collection ${collection.id} of ${pounds(collection.amountMinor)} charged ${collection.chargeDate} failed${collection.reasonCode ? ` (ARUDD ${collection.reasonCode})` : ""}`,
              collection,
              mandateId: collection.mandate.id,
            }
          : undefined,
      );
      await this.evaluate(tx, collection.organisation.id, "COLLECTION_FAILURE_RATE", (t, window) =>
        failureRate(tx, collection.organisation.id, t, window),
      );
    } else if (collection.state === "CHARGED_BACK") {
      await this.evaluate(tx, collection.organisation.id, "CLAWBACKS", (t, window) =>
        countCrossing(
          t,
          window,
          countRows(
            tx,
            "collection",
            collection.organisation.id,
            "state_change_time",
            window.start,
            `"state" = 'CHARGED_BACK'`,
          ),
          ["clawback", "clawbacks"],
        ),
      );
    }
  }

  /** webhookEndpointDisabled raises the alert of an endpoint disabled after failing for days. */
  async webhookEndpointDisabled(
    tx: EntityManager,
    organisationId: string,
    endpoint: { id: string; description: string },
    failingSince: Date,
  ): Promise<void> {
    await this.evaluate(tx, organisationId, "WEBHOOK_ENDPOINT_DISABLED", (_t, window) => ({
      observed: 1,
      limit: 1,
      // Not its URL: alerts reach API keys and webhooks, and an endpoint's URL is its admins' alone.
      message: `Webhook endpoint ${endpoint.id}${endpoint.description ? ` (${endpoint.description})` : ""} failed every delivery since ${failingSince.toISOString()} and was disabled; enable it again once it answers`,
      window: { start: failingSince, end: window.end },
    }));
  }

  /** mandateOutcome evaluates the cancellation threshold when a mandate was cancelled for the organisation. */
  async mandateOutcome(tx: EntityManager, mandate: Mandate): Promise<void> {
    if (mandate.state !== "CANCELLED" || mandate.lastChangeCause === "ORGANISATION") return;
    await this.evaluate(tx, mandate.organisation.id, "MANDATE_CANCELLATIONS", (t, window) =>
      countCrossing(
        t,
        window,
        countRows(
          tx,
          "mandate",
          mandate.organisation.id,
          "last_change_time",
          window.start,
          `"state" = 'CANCELLED' and "last_change_cause" <> 'ORGANISATION'`,
        ),
        ["mandate cancellation by a payer or their bank", "mandate cancellations by payers or their banks"],
      ),
    );
  }

  private async evaluate(
    tx: EntityManager,
    organisationId: string,
    type: AlertTypeName,
    judge: (threshold: AlertThreshold, window: Window) => Promise<Crossing | undefined> | Crossing | undefined,
  ): Promise<void> {
    await tx.flush();
    const threshold = await lockThreshold(tx, organisationId, type, this.clock.now());
    if (!threshold.enabled) return;
    // Read after the lock: an outcome committed by whoever held it is then inside the window.
    const now = this.clock.now();
    const window = { start: new Date(now.getTime() - threshold.windowSeconds * 1000), end: now };
    const crossing = await judge(threshold, window);
    if (!crossing) return;
    // One unresolved alert per window threshold, and per collection: a collection presented again
    // (RetryCollection) that fails again while its alert is open is already being seen to.
    const collection = crossing.collection?.id ?? null;
    const open = await tx.count(Alert, { threshold: threshold.id, state: { $ne: "RESOLVED" }, collection });
    if (open > 0) return;
    const alert = tx.create(Alert, {
      id: newId("AL", now.getTime()),
      organisation: organisationId,
      type,
      state: "OPEN",
      threshold,
      message: crossing.message.slice(0, 1000),
      observedValue: crossing.observed,
      thresholdValue: crossing.limit,
      windowStartTime: crossing.window?.start ?? null,
      windowEndTime: crossing.window?.end ?? null,
      collection: crossing.collection ?? null,
      createTime: now,
      updateTime: now,
    });
    recordNotification(tx, {
      organisationId,
      type: "alert.raised",
      resourceType: "alert",
      resourceId: alert.id,
      mandateId: crossing.mandateId ?? null,
      collectionId: crossing.collection?.id ?? null,
      alertId: alert.id,
      message: `Alert ${alert.id} raised: ${crossing.message}`,
      time: now,
    });
    await tx.flush();
  }
}

/** lockThreshold locks the organisation's threshold of `type`, creating the defaults first if missing. */
async function lockThreshold(
  tx: EntityManager,
  organisationId: string,
  type: AlertTypeName,
  now: Date,
): Promise<AlertThreshold> {
  const found = await tx.findOne(AlertThreshold, { organisation: organisationId, type }, lockForChange());
  if (found) return found;
  await ensureThresholds(tx, organisationId, now);
  return tx.findOneOrFail(AlertThreshold, { organisation: organisationId, type }, lockForChange());
}

/** countRows counts one organisation's rows of `table` matching `where` whose `timeColumn` is after `since`. */
async function countRows(
  tx: EntityManager,
  table: "collection" | "mandate",
  organisationId: string,
  timeColumn: string,
  since: Date,
  where: string,
): Promise<number> {
  const [row] = await tx
    .getConnection()
    .execute<{ n: string }[]>(
      `select count(*) as "n" from "${table}" where "organisation_id" = ? and ${where} and "${timeColumn}" > ?`,
      [organisationId, since],
      "all",
      tx.getTransactionContext(),
    );
  return Number(row?.n ?? 0);
}

async function countCrossing(
  threshold: AlertThreshold,
  window: Window,
  counting: Promise<number>,
  [one, many]: [string, string],
): Promise<Crossing | undefined> {
  const n = await counting;
  if (n < threshold.count) return undefined;
  return {
    observed: n,
    limit: threshold.count,
    window,
    message: `${n} ${n === 1 ? one : many} over the last ${describeWindow(threshold.windowSeconds)} reached the threshold of ${threshold.count}`,
  };
}

async function failureRate(
  tx: EntityManager,
  organisationId: string,
  threshold: AlertThreshold,
  window: Window,
): Promise<Crossing | undefined> {
  const [row] = await tx
    .getConnection()
    .execute<{ failed: string; outcomes: string }[]>(
      `select count(*) filter (where "state" = 'FAILED') as "failed", count(*) as "outcomes" from "collection" where "organisation_id" = ? and "state" in ('PAID_OUT', 'FAILED', 'CHARGED_BACK') and "state_change_time" > ?`,
      [organisationId, window.start],
      "all",
      tx.getTransactionContext(),
    );
  const failed = Number(row?.failed ?? 0);
  const outcomes = Number(row?.outcomes ?? 0);
  if (outcomes === 0 || outcomes < threshold.minSampleSize) return undefined;
  const percent = (failed / outcomes) * 100;
  if (percent <= threshold.failureRatePercent) return undefined;
  return {
    observed: percent,
    limit: threshold.failureRatePercent,
    window,
    message: `Collection failure rate ${formatPercent(percent)} (${failed} of ${outcomes}) over the last ${describeWindow(threshold.windowSeconds)} exceeds ${formatPercent(threshold.failureRatePercent)}`,
  };
}

/** describeWindow writes a window for people: "7 days", "36 hours", "1 hour". */
export function describeWindow(seconds: number): string {
  const hours = seconds / 3600;
  if (hours % 24 === 0) return hours === 24 ? "day" : `${hours / 24} days`;
  return hours === 1 ? "hour" : `${hours} hours`;
}

function formatPercent(value: number): string {
  return `${Number(value.toFixed(2))}%`;
}
