/**
 * thresholdForm.ts turns the threshold editor's inputs into an UpdateAlertThreshold request whose
 * update_mask names only the fields that changed: two people editing different settings of one
 * threshold do not undo each other, and the audit trail shows what was actually changed.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type AlertThreshold,
  AlertType,
  type UpdateAlertThresholdRequestSchema,
} from "../../../../gen/dd/v1/alerts_pb.js";
import { penceOf, poundsInput } from "../money.js";

/** ThresholdPath is an update_mask path of UpdateAlertThreshold. */
export type ThresholdPath =
  | "enabled"
  | "failure_rate_percent"
  | "min_sample_size"
  | "count"
  | "window"
  | "min_amount_minor";

/** The settings each type uses (alerts.proto); the others are kept but mean nothing for it. */
export const pathsOf: Readonly<Record<AlertType, readonly ThresholdPath[]>> = {
  [AlertType.UNSPECIFIED]: ["enabled"],
  [AlertType.COLLECTION_FAILURE_RATE]: ["enabled", "failure_rate_percent", "min_sample_size", "window"],
  [AlertType.CLAWBACKS]: ["enabled", "count", "window"],
  [AlertType.MANDATE_CANCELLATIONS]: ["enabled", "count", "window"],
  [AlertType.COLLECTION_FAILED]: ["enabled", "min_amount_minor"],
  [AlertType.WEBHOOK_ENDPOINT_DISABLED]: ["enabled"],
};

export type WindowUnit = "hours" | "days";
const unitSeconds: Record<WindowUnit, number> = { hours: 3_600, days: 86_400 };

/** ThresholdInputs are the editor's fields as typed. */
export interface ThresholdInputs {
  enabled: boolean;
  failurePercent: string;
  minSampleSize: string;
  count: string;
  window: string;
  windowUnit: WindowUnit;
  /** Pounds. */
  minAmount: string;
}

/** inputsOf fills the editor from a threshold; the window reads in days when it is whole days. */
export function inputsOf(t: AlertThreshold): ThresholdInputs {
  const seconds = Number(t.window?.seconds ?? 0n);
  const windowUnit: WindowUnit = seconds > 0 && seconds % unitSeconds.days === 0 ? "days" : "hours";
  return {
    enabled: t.enabled,
    failurePercent: String(t.failureRatePercent),
    minSampleSize: String(t.minSampleSize),
    count: String(t.count),
    window: String(seconds / unitSeconds[windowUnit]),
    windowUnit,
    minAmount: poundsInput(t.minAmountMinor),
  };
}

export type UpdateRequest = MessageInitShape<typeof UpdateAlertThresholdRequestSchema>;

/**
 * updateOf compares the inputs with the threshold: the request changing what differs (undefined when
 * nothing does), or the fields that cannot be read, by the service's field names
 * ("threshold.window"), so they show where the service's own refusals would.
 */
export function updateOf(
  t: AlertThreshold,
  inputs: ThresholdInputs,
): { request?: UpdateRequest; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const threshold: NonNullable<UpdateRequest["threshold"]> = { id: t.id };
  const paths: ThresholdPath[] = [];
  const wholeNumber = (path: ThresholdPath, label: string, text: string): number | undefined => {
    if (/^\d+$/.test(text.trim())) return Number(text);
    errors[`threshold.${path}`] = `${label} must be a whole number.`;
    return undefined;
  };

  for (const path of pathsOf[t.type]) {
    switch (path) {
      case "enabled":
        if (inputs.enabled !== t.enabled) {
          threshold.enabled = inputs.enabled;
          paths.push(path);
        }
        break;
      case "failure_rate_percent": {
        const text = inputs.failurePercent.trim();
        if (!/^\d+(\.\d+)?$/.test(text))
          errors["threshold.failure_rate_percent"] = "Failure rate must be a percentage, for example 5 or 2.5.";
        else if (Number(text) !== t.failureRatePercent) {
          threshold.failureRatePercent = Number(text);
          paths.push(path);
        }
        break;
      }
      case "min_sample_size": {
        const n = wholeNumber(path, "Minimum collections", inputs.minSampleSize);
        if (n !== undefined && n !== t.minSampleSize) {
          threshold.minSampleSize = n;
          paths.push(path);
        }
        break;
      }
      case "count": {
        const n = wholeNumber(path, "Count", inputs.count);
        if (n !== undefined && n !== t.count) {
          threshold.count = n;
          paths.push(path);
        }
        break;
      }
      case "window": {
        const text = inputs.window.trim();
        if (!/^\d+(\.\d+)?$/.test(text)) {
          errors["threshold.window"] = "Window must be a number of hours or days.";
          break;
        }
        const seconds = BigInt(Math.round(Number(text) * unitSeconds[inputs.windowUnit]));
        if (seconds !== (t.window?.seconds ?? 0n)) {
          threshold.window = { seconds };
          paths.push(path);
        }
        break;
      }
      case "min_amount_minor": {
        const pence = penceOf(inputs.minAmount);
        if (pence === undefined)
          errors["threshold.min_amount_minor"] = "Minimum amount must be in pounds and pence, for example 500 or 0.";
        else if (pence !== t.minAmountMinor) {
          threshold.minAmountMinor = pence;
          paths.push(path);
        }
        break;
      }
    }
  }
  if (Object.keys(errors).length > 0 || paths.length === 0) return { errors };
  return { request: { threshold, updateMask: { paths } }, errors };
}
