/**
 * mandate-steps.ts is the Bacs timing of a mandate (AUDDIS) as the processor models it, one step
 * per row the processor claims:
 *
 * - submit: PENDING_SUBMISSION → SUBMITTED. The instruction (AUDDIS transaction code 0N) goes in
 *   the next Bacs input after the payer completed the mandate. We do not model the input cut-off
 *   time: on a working day every mandate pending submission is submitted; on a weekend or an
 *   England-and-Wales bank holiday nothing is, so a mandate completed on Saturday is submitted on
 *   Monday (Tuesday after a bank-holiday Monday).
 * - activate: SUBMITTED → ACTIVE. Counting the input day as working day 1, the payer's bank has
 *   until the end of working day 2 to reject the instruction through an AUDDIS report. With no
 *   rejection by then, the instruction stands, and GoCardless (whose model we follow) marks the
 *   mandate active on the next working day: input day + 2 working days. A rejection arrives as a
 *   "fail" (MandateTransitions.applyExternal, cause BACS_AUDDIS), which moves the mandate out of
 *   SUBMITTED, so the processor never sees it again.
 * - expire: ACTIVE → EXPIRED after 13 months without a collection, in mandate-expiry.ts.
 *
 * The submission day is the mandate's last_change_time while it is SUBMITTED (every state change
 * sets it, and nothing else does), read as a UK date.
 */

import { addWorkingDays } from "../calendar/bacs-calendar.js";
import { addDays, type IsoDate } from "../calendar/plain-date.js";
import type { StateChange } from "../mandates/mandate-state-change.js";
import type { ExternalAction } from "../mandates/mandate-transitions.js";

/** Working days from the input day to the day the mandate becomes active (AUDDIS window). */
export const AUDDIS_WORKING_DAYS = 2;

/** MandateStep is one kind of work: which rows are due on a working day, and what happens to each. */
export interface MandateStep {
  action: Extract<ExternalAction, "submit" | "activate" | "expire">;
  /**
   * SQL (for `select "id", "organisation_id" from "mandate" where …`) choosing the due rows, and
   * its parameters. Both depend only on `today`, a working day.
   */
  due(today: IsoDate): { where: string; params: unknown[] };
  change(today: IsoDate): StateChange;
}

/** submitStep lodges every mandate pending submission with the payer's bank. */
export const submitStep: MandateStep = {
  action: "submit",
  due: () => ({ where: `"state" = 'PENDING_SUBMISSION'`, params: [] }),
  change: (today) => ({
    cause: "PROCESSING",
    description: `Submitted to the payer's bank through AUDDIS (Bacs input day ${today})`,
  }),
};

/** activateStep activates every mandate whose AUDDIS window closed with no rejection. */
export const activateStep: MandateStep = {
  action: "activate",
  due: (today) => ({
    where: `"state" = 'SUBMITTED' and ("last_change_time" at time zone 'Europe/London')::date <= cast(? as date)`,
    params: [latestDueSubmissionDay(today)],
  }),
  change: () => ({
    cause: "PROCESSING",
    description: `The payer's bank raised no AUDDIS objection within ${AUDDIS_WORKING_DAYS} working days of submission`,
  }),
};

/**
 * latestDueSubmissionDay is the last UK date a mandate may have been submitted on to be activated
 * on working day `today`: every day before the working day after `today − 2 working days`. A day
 * that is not a working day counts like the working day before it (submitted on Saturday, as a
 * sandbox or a late report may do, behaves like Friday).
 */
export function latestDueSubmissionDay(today: IsoDate): IsoDate {
  return addDays(addWorkingDays(today, 1 - AUDDIS_WORKING_DAYS), -1);
}
