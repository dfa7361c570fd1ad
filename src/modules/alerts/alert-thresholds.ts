/**
 * alert-thresholds.ts holds the default thresholds every organisation starts with, creates them,
 * and validates changes. Defaults, and why:
 * - COLLECTION_FAILURE_RATE on: more than 10% of the outcomes of the last 7 days failed, once at
 *   least 20 collections had an outcome (below that a couple of unpaid rents would be "a spike").
 *   Bacs failure rates of a healthy rent book are a few percent; Bacs itself reviews originators
 *   whose returns run high.
 * - CLAWBACKS on, at 1 in 30 days: every indemnity claim takes money back without the organisation's
 *   say and is worth a look, as a card dispute is.
 * - MANDATE_CANCELLATIONS on, at 5 in 7 days: a tenant leaving cancels a mandate now and then; five
 *   in a week suggests something else (a bank migration, a letter that upset tenants).
 * - COLLECTION_FAILED off: every failure is already in the notification feed; an agency that wants
 *   an alert per failed rent (or per large one, min_amount_minor) turns it on.
 * - WEBHOOK_ENDPOINT_DISABLED on: an endpoint that stopped answering for 3 days means an integration
 *   no longer hears of failed rents; someone must know.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { newId } from "../../platform/ids.js";
import { type FieldViolation, InvalidArgumentError } from "../errors.js";
import { resolveUpdateMask } from "../update-mask.js";
import { AlertThreshold } from "./alert-threshold.entity.js";
import { type AlertTypeName, alertTypes } from "./alert-types.js";

const HOUR = 3600;
const DAY = 24 * HOUR;

/** ThresholdSettings are the values of a threshold a caller can change. */
export interface ThresholdSettings {
  enabled: boolean;
  failureRatePercent: number;
  minSampleSize: number;
  count: number;
  windowSeconds: number;
  minAmountMinor: number;
}

/**
 * eventThreshold is a threshold raised by single events: no window, count or rate of its own, but
 * values for them all the same (every threshold stores every setting; the type says which apply).
 */
const eventThreshold = {
  failureRatePercent: 10,
  minSampleSize: 20,
  count: 1,
  windowSeconds: 7 * DAY,
  minAmountMinor: 0,
} as const;

/** defaultThresholds are every organisation's settings until it changes them (file comment). */
export const defaultThresholds: Readonly<Record<AlertTypeName, ThresholdSettings>> = {
  COLLECTION_FAILURE_RATE: {
    enabled: true,
    failureRatePercent: 10,
    minSampleSize: 20,
    count: 1,
    windowSeconds: 7 * DAY,
    minAmountMinor: 0,
  },
  CLAWBACKS: {
    enabled: true,
    failureRatePercent: 10,
    minSampleSize: 20,
    count: 1,
    windowSeconds: 30 * DAY,
    minAmountMinor: 0,
  },
  MANDATE_CANCELLATIONS: {
    enabled: true,
    failureRatePercent: 10,
    minSampleSize: 20,
    count: 5,
    windowSeconds: 7 * DAY,
    minAmountMinor: 0,
  },
  COLLECTION_FAILED: { ...eventThreshold, enabled: false },
  WEBHOOK_ENDPOINT_DISABLED: { ...eventThreshold, enabled: true },
};

/** Bounds of the settings (AlertThreshold's field comments in the contract). */
export const thresholdBounds = {
  minSampleSize: [1, 100_000],
  count: [1, 100_000],
  windowSeconds: [HOUR, 90 * DAY],
  minAmountMinor: [0, 1_000_000_000_00],
} as const;

/** addDefaultThresholds adds the default thresholds of a new organisation to the unit of work. */
export function addDefaultThresholds(em: EntityManager, organisationId: string, now: Date): void {
  for (const type of alertTypes) {
    em.create(AlertThreshold, {
      id: newId("AT", now.getTime()),
      organisation: organisationId,
      type,
      ...defaultThresholds[type],
      updateTime: now,
      updatedBy: null,
    });
  }
}

/**
 * ensureThresholds inserts the defaults an organisation lacks (one created before alerts existed)
 * and leaves existing rows alone; safe to race with itself (ON CONFLICT DO NOTHING).
 */
export async function ensureThresholds(em: EntityManager, organisationId: string, now: Date): Promise<void> {
  const values: unknown[] = [];
  const rows = alertTypes.map((type) => {
    const d = defaultThresholds[type];
    values.push(
      newId("AT", now.getTime()),
      organisationId,
      type,
      d.enabled,
      d.failureRatePercent,
      d.minSampleSize,
      d.count,
      d.windowSeconds,
      d.minAmountMinor,
      now,
    );
    return "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  });
  await em
    .getConnection()
    .execute(
      `insert into "alert_threshold" ("id", "organisation_id", "type", "enabled", "failure_rate_percent", "min_sample_size", "count", "window_seconds", "min_amount_minor", "update_time") values ${rows.join(", ")} on conflict ("organisation_id", "type") do nothing`,
      values,
      "run",
      em.getTransactionContext(),
    );
}

/** The update_mask paths UpdateAlertThreshold accepts, with the setting each one names. */
export const thresholdPaths = {
  enabled: "enabled",
  failure_rate_percent: "failureRatePercent",
  min_sample_size: "minSampleSize",
  count: "count",
  window: "windowSeconds",
  min_amount_minor: "minAmountMinor",
} as const satisfies Record<string, keyof ThresholdSettings>;
export type ThresholdPath = keyof typeof thresholdPaths;
const thresholdPathNames = Object.keys(thresholdPaths) as ThresholdPath[];

/**
 * ThresholdUpdate is an UpdateAlertThreshold request as values: `window` as given (seconds and
 * nanos, undefined when absent), the mask undefined when absent.
 */
export interface ThresholdUpdate {
  id: string;
  enabled: boolean;
  failureRatePercent: number;
  minSampleSize: number;
  count: number;
  window: { seconds: number; nanos: number } | undefined;
  minAmountMinor: number;
  mask: readonly string[] | undefined;
}

/**
 * checkThresholdUpdate validates an update and returns the settings it changes; every bad field is
 * named (`threshold.<field>`, `update_mask`) in one INVALID_ARGUMENT.
 */
export function checkThresholdUpdate(update: ThresholdUpdate): Partial<ThresholdSettings> {
  const violations: FieldViolation[] = [];
  if (update.id === "") violations.push({ field: "threshold.id", description: "is required" });
  const set = setSettings(update);
  const paths = resolveUpdateMask(update.mask, thresholdPathNames, (path) => set[path], violations);
  const changes: Partial<ThresholdSettings> = {};
  const bad = (path: ThresholdPath, description: string) =>
    violations.push({ field: `threshold.${path}`, description });
  const integer = (path: "min_sample_size" | "count" | "min_amount_minor", value: number) => {
    const setting = thresholdPaths[path] as "minSampleSize" | "count" | "minAmountMinor";
    const [min, max] = thresholdBounds[setting];
    if (!Number.isSafeInteger(value) || value < min || value > max)
      bad(path, `must be a whole number from ${min} to ${max}`);
    else changes[setting] = value;
  };
  for (const path of paths) {
    switch (path) {
      case "enabled":
        changes.enabled = update.enabled;
        break;
      case "failure_rate_percent":
        if (
          !Number.isFinite(update.failureRatePercent) ||
          update.failureRatePercent < 0 ||
          update.failureRatePercent > 100
        ) {
          bad(path, "must be a percentage from 0 to 100");
        } else changes.failureRatePercent = update.failureRatePercent;
        break;
      case "window": {
        const w = update.window;
        const [min, max] = thresholdBounds.windowSeconds;
        if (w?.nanos !== 0 || w.seconds % HOUR !== 0 || w.seconds < min || w.seconds > max) {
          bad(path, `must be whole hours from 1 hour to 90 days (${min}s to ${max}s)`);
        } else changes.windowSeconds = w.seconds;
        break;
      }
      default:
        integer(
          path,
          path === "min_amount_minor" ? update.minAmountMinor : path === "count" ? update.count : update.minSampleSize,
        );
    }
  }
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  return changes;
}

/** setSettings says which settings an update without a mask sets: the non-zero ones. */
function setSettings(update: ThresholdUpdate): Record<ThresholdPath, boolean> {
  return {
    enabled: update.enabled,
    failure_rate_percent: update.failureRatePercent !== 0,
    min_sample_size: update.minSampleSize !== 0,
    count: update.count !== 0,
    window: update.window !== undefined,
    min_amount_minor: update.minAmountMinor !== 0,
  };
}
