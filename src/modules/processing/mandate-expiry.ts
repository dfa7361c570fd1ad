/**
 * mandate-expiry.ts is the dormancy rule of a Direct Debit Instruction: a bank may treat an
 * instruction that has not been used for 13 months as lapsed, so the processor expires an ACTIVE
 * mandate (→ EXPIRED, cause EXPIRY) when, 13 months on, nothing was collected under it:
 *
 * - it became ACTIVE (its last_change_time while ACTIVE: activation, or the latest reactivation,
 *   never before it was created; a transfer to new bank details changes no state and so leaves it:
 *   it collects nothing, mandate-transfer.ts) on or before today − 13 months, and
 * - no collection that reached Bacs (SUBMITTED, CONFIRMED, PAID_OUT, FAILED, CHARGED_BACK) has a
 *   charge date after today − 13 months, and
 * - no collection is pending submission: one is about to use the instruction.
 *
 * SUSPENDED mandates are left alone (the issue names ACTIVE → EXPIRED only; the sandbox can still
 * expire one). Expiring closes the mandate, so MandateTransitions' onClosed hook cancels its schedules.
 * Indexes: mandate (state, last_change_time) picks the candidates, collection (mandate_id,
 * charge_date) answers the "not exists" per candidate.
 */
import { daysInMonth, formatIsoDate, type IsoDate, parseIsoDate } from "../calendar/plain-date.js";
import type { MandateStep } from "./mandate-steps.js";

/** Months without a collection after which an instruction lapses. */
export const DORMANCY_MONTHS = 13;

/** monthsBefore is `date` moved back `months` calendar months, clamped to the month's last day. */
export function monthsBefore(date: IsoDate, months: number): IsoDate {
  const { year, month, day } = parseIsoDate(date);
  const index = year * 12 + (month - 1) - months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return formatIsoDate(y, m, Math.min(day, daysInMonth(y, m)));
}

/** expireStep expires ACTIVE mandates dormant for DORMANCY_MONTHS (see the file comment). */
export const expireStep: MandateStep = {
  action: "expire",
  due: (today) => {
    const cutoff = monthsBefore(today, DORMANCY_MONTHS);
    return {
      // The timestamp bound is a constant, so (state, last_change_time) serves it as a range.
      where: `"state" = 'ACTIVE'
        and "last_change_time" < ((cast(? as date) + 1)::timestamp at time zone 'Europe/London')
        and not exists (select 1 from "collection" c where c."mandate_id" = "mandate"."id"
          and (c."state" = 'PENDING_SUBMISSION' or (c."state" <> 'CANCELLED' and c."charge_date" > ?)))`,
      params: [cutoff, cutoff],
    };
  },
  change: () => ({
    cause: "EXPIRY",
    description: `No collection was taken under the instruction for ${DORMANCY_MONTHS} months`,
  }),
};
