/**
 * collection-steps.ts is the Bacs timing of a collection as the processor models it, one step per
 * row the processor claims. Every day counted is a Bacs working day (bacs-calendar.ts), and the
 * processor only runs steps on working days:
 *
 * - submit: PENDING_SUBMISSION → SUBMITTED on the input day, submissionDateFor(charge_date) (2
 *   working days before the charge date), or later if a run was missed: a late collection is still
 *   submitted, not re-dated, and then confirmed and paid out by the catch-up of the next steps.
 *   Only under an ACTIVE mandate. A collection whose mandate is SUSPENDED on its submission day is
 *   CANCELLED instead: "no collections are taken while suspended" (the contract); the schedule
 *   carries on with its later collections once the mandate is active again. A collection whose
 *   mandate is still being set up (the payer has not completed the invite yet, or the bank has not
 *   answered) is postponed instead: its charge date moves to the earliest date the mandate allows
 *   from today, notice included, so an agency's first rent is not lost because the tenant took a
 *   week to fill in the form. If that date reaches the schedule's next collection, or passes its
 *   end_date, the postponed one is cancelled: never two debits of one schedule on one day.
 *   (Collections of CANCELLED, FAILED and EXPIRED mandates were already cancelled when the mandate
 *   closed, by CollectionManager.cancelForMandate.)
 * - confirm: SUBMITTED → CONFIRMED on the charge date: the payer's account is debited that day
 *   (Bacs entry day) and no unpaid return has come back yet.
 * - pay out: CONFIRMED → PAID_OUT one working day after the charge date: the funds reach the
 *   organisation. GoCardless pays out on a later day of its own payout cycle; we model one working
 *   day, the earliest the cleared funds can move on.
 *
 * The claim query joins the mandate only to read its state, and the organisation its notice period
 * (no lock on either): a mandate suspended
 * while we submit waits for nothing, and a collection already submitted stays submitted, as at Bacs.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { addWorkingDays, BACS_CYCLE_WORKING_DAYS } from "../calendar/bacs-calendar.js";
import type { IsoDate } from "../calendar/plain-date.js";
import type { CollectionStateName } from "../collections/collection-lifecycle.js";
import type { CollectionChange } from "../collections/collection-state-change.js";
import { chargeDateOf } from "../collections/schedule-plan.js";

/** Working days from the charge date to the pay-out (see the file comment). */
export const PAYOUT_WORKING_DAYS = 1;

/** What a step does to one claimed collection: a new state, or (submit only) a later charge date; and why. */
export type CollectionMove =
  | { to: CollectionStateName; change: CollectionChange }
  | { postponeTo: IsoDate; change: CollectionChange };

/** Mandate states that are on their way to ACTIVE: a collection due meanwhile waits for them. */
const settingUpStates: ReadonlySet<string> = new Set(["PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED"]);

/** CollectionStep is one kind of collection work on a working day. */
export interface CollectionStep {
  /** Name in logs and in the run report. */
  name: "submit" | "confirm" | "payOut";
  /**
   * SQL for `… from "collection" c join "mandate" m on m."id" = c."mandate_id" where …` choosing
   * the due rows, and its parameters; both depend only on `today`, a working day.
   */
  due(today: IsoDate): { where: string; params: unknown[] };
  /**
   * move decides the change of one claimed row, from its charge date, its mandate's state and its
   * organisation's notice period.
   */
  move(row: { chargeDate: IsoDate; mandateState: string; noticeWorkingDays: number }, today: IsoDate): CollectionMove;
}

/**
 * latestSubmittableChargeDate is the last charge date whose input day is `today` or earlier:
 * submissionDateFor(c) ≤ today ⇔ c ≤ today + 2 working days, for working days `today` and `c`.
 */
export function latestSubmittableChargeDate(today: IsoDate): IsoDate {
  return addWorkingDays(today, BACS_CYCLE_WORKING_DAYS);
}

/** submitCollectionStep submits due collections of active mandates, and cancels the others. */
export const submitCollectionStep: CollectionStep = {
  name: "submit",
  due: (today) => ({
    where: `c."state" = 'PENDING_SUBMISSION' and c."charge_date" <= ?`,
    params: [latestSubmittableChargeDate(today)],
  }),
  move: ({ mandateState, noticeWorkingDays }, today) => {
    const state = mandateState.toLowerCase().replace(/_/g, " ");
    if (mandateState === "ACTIVE")
      return { to: "SUBMITTED", change: { description: `Submitted to Bacs (input day ${today})` } };
    if (settingUpStates.has(mandateState)) {
      // A new date wants a new notice period: counted from today, so the payer can be told in time.
      const postponeTo = chargeDateOf(today, mandateState, today, { sentOn: today, workingDays: noticeWorkingDays });
      return {
        postponeTo,
        change: {
          description: `The mandate was still being set up (${state}) on the Bacs input day ${today}: charge date moved to ${postponeTo}`,
        },
      };
    }
    return {
      to: "CANCELLED",
      change: {
        description: `The mandate was ${state} on the Bacs input day ${today}, so the collection was not taken`,
      },
    };
  },
};

/** confirmCollectionStep confirms submitted collections on (or after) their charge date. */
export const confirmCollectionStep: CollectionStep = {
  name: "confirm",
  due: (today) => ({ where: `c."state" = 'SUBMITTED' and c."charge_date" <= ?`, params: [today] }),
  move: ({ chargeDate }) => ({
    to: "CONFIRMED",
    change: { description: `The payer's account was debited on ${chargeDate} with no unpaid return so far` },
  }),
};

/** payOutCollectionStep pays out confirmed collections one working day after their charge date. */
export const payOutCollectionStep: CollectionStep = {
  name: "payOut",
  due: (today) => ({
    where: `c."state" = 'CONFIRMED' and c."charge_date" <= ?`,
    params: [addWorkingDays(today, -PAYOUT_WORKING_DAYS)],
  }),
  move: () => ({ to: "PAID_OUT", change: { description: "The funds were paid out to the organisation" } }),
};

/** collectionSteps run in this order each working day. */
export const collectionSteps: readonly CollectionStep[] = [
  submitCollectionStep,
  confirmCollectionStep,
  payOutCollectionStep,
];

/** ClaimedCollection is all the processor reads of a claimed row. */
export interface ClaimedCollection {
  id: string;
  organisation_id: string;
  charge_date: string;
  mandate_state: string;
  notice_working_days: number;
}

/**
 * claimCollections locks up to `limit` due collections of every organisation in the transaction
 * of `tx` (FOR UPDATE OF c SKIP LOCKED: the mandate row is read, not locked). Unscoped raw SQL on
 * purpose, as for mandates (bacs-processor.ts): Bacs input is one file for the whole service.
 */
export function claimCollections(
  tx: EntityManager,
  step: CollectionStep,
  today: IsoDate,
  limit: number,
): Promise<ClaimedCollection[]> {
  const { where, params } = step.due(today);
  return tx
    .getConnection()
    .execute<ClaimedCollection[]>(
      `select c."id", c."organisation_id", c."charge_date", m."state" as "mandate_state", o."advance_notice_working_days" as "notice_working_days" from "collection" c join "mandate" m on m."id" = c."mandate_id" join "organisation" o on o."id" = c."organisation_id" where ${where} order by c."id" limit ? for update of c skip locked`,
      [...params, limit],
      "all",
      tx.getTransactionContext(),
    );
}
