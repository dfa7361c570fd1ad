/**
 * collection-steps.ts is the Bacs timing of a collection as the processor models it, one step per
 * row the processor claims. Every day counted is a Bacs working day (bacs-calendar.ts), and the
 * processor only runs steps on working days:
 *
 * - submit: PENDING_SUBMISSION → SUBMITTED on the input day, submissionDateFor(charge_date) (2
 *   working days before the charge date), or later if a run was missed: a late collection is still
 *   submitted, not re-dated, and then confirmed and paid out by the catch-up of the next steps.
 *   Only under an ACTIVE mandate, and only once the payer has been sent notice of it: its charge
 *   date counted the notice period from the day its emails were queued, so one with an email not
 *   sent by the input day (a mail relay down, an address that takes no mail), or sent too late for
 *   the date, moves on to a new date with a new notice, as below (noticeGiven). A collection whose
 *   mandate is SUSPENDED on its submission day is CANCELLED instead: "no collections are taken
 *   while suspended" (the contract); the schedule
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
 * The claim query joins the mandate only to read its state, the organisation its notice period and
 * the payer's emails what became of its notice (no lock on any): a mandate suspended
 * while we submit waits for nothing, and a collection already submitted stays submitted, as at Bacs.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { addWorkingDays, BACS_CYCLE_WORKING_DAYS, noticeReached } from "../calendar/bacs-calendar.js";
import type { IsoDate } from "../calendar/plain-date.js";
import { type CollectionStateName, mandateSettingUp } from "../collections/collection-lifecycle.js";
import type { CollectionChange } from "../collections/collection-state-change.js";
import type { PostponeReason } from "../collections/moved-collection.js";
import { chargeDateOf } from "../collections/schedule-plan.js";

/** Working days from the charge date to the pay-out (see the file comment). */
export const PAYOUT_WORKING_DAYS = 1;

/** What a step does to one claimed collection: a new state, or (submit only) a later charge date; and why. */
export type CollectionMove =
  | { to: CollectionStateName; change: CollectionChange }
  | { postponeTo: IsoDate; reason: PostponeReason; change: CollectionChange };

/**
 * NoticeDelivery is what became of the emails that announced a collection (its own, or its
 * schedule's) on its notice date: none where the organisation sends its own notices.
 */
export interface NoticeDelivery {
  emails: number;
  /** Those not sent: still being tried, or given up on. */
  unsent: number;
  /** The London date the last of them was sent; null when none was. */
  lastSentOn: IsoDate | null;
}

/** ClaimedRow is what a step decides from: the collection's dates, its mandate and its notice. */
export interface ClaimedRow {
  chargeDate: IsoDate;
  /** The London date its payer was given notice of it (see Collection.noticeDate). */
  noticeDate: IsoDate;
  mandateState: string;
  noticeWorkingDays: number;
  notice: NoticeDelivery;
}

/** CollectionStep is one kind of collection work on a working day. */
export interface CollectionStep {
  /** Name in logs and in the run report. */
  name: "submit" | "confirm" | "payOut";
  /**
   * SQL for `… from "collection" c join "mandate" m on m."id" = c."mandate_id" where …` choosing
   * the due rows, and its parameters; both depend only on `today`, a working day.
   */
  due(today: IsoDate): { where: string; params: unknown[] };
  /** Whether move reads the row's notice (the claim then looks it up). */
  readsNotice: boolean;
  /** move decides the change of one claimed row. */
  move(row: ClaimedRow, today: IsoDate): CollectionMove;
}

/**
 * latestSubmittableChargeDate is the last charge date whose input day is `today` or earlier:
 * submissionDateFor(c) ≤ today ⇔ c ≤ today + 2 working days, for working days `today` and `c`.
 */
export function latestSubmittableChargeDate(today: IsoDate): IsoDate {
  return addWorkingDays(today, BACS_CYCLE_WORKING_DAYS);
}

/**
 * noticeGiven says whether the payer had the notice period's warning of a collection: GIVEN;
 * NOT_SENT (an email announcing it is still being tried, or was given up on); or sent too late
 * (the day the last went). Its charge date counted the period from its notice date, the day its
 * emails were queued, so every email of that day must have gone in time: the last may be the one
 * that announced its amount (a change the same day as the schedule). With no email to look at
 * (the organisation sends its own notices), the notice is the organisation's.
 */
export function noticeGiven({
  chargeDate,
  noticeDate,
  noticeWorkingDays,
  notice,
}: ClaimedRow): "GIVEN" | "NOT_SENT" | { lateOn: IsoDate } {
  const { emails, unsent, lastSentOn } = notice;
  if (emails === 0) return "GIVEN";
  if (unsent > 0 || lastSentOn === null) return "NOT_SENT";
  const inTime =
    lastSentOn <= noticeDate || noticeReached({ sentOn: lastSentOn, workingDays: noticeWorkingDays }) <= chargeDate;
  return inTime ? "GIVEN" : { lateOn: lastSentOn };
}

/**
 * submitCollectionStep submits due collections of active mandates whose payer has had notice of
 * them, moves on those whose payer has not or whose mandate is still being set up, and cancels
 * those of suspended mandates.
 */
export const submitCollectionStep: CollectionStep = {
  name: "submit",
  readsNotice: true,
  due: (today) => ({
    where: `c."state" = 'PENDING_SUBMISSION' and c."charge_date" <= ?`,
    params: [latestSubmittableChargeDate(today)],
  }),
  move: (row, today) => {
    const { mandateState, noticeWorkingDays } = row;
    const state = mandateState.toLowerCase().replace(/_/g, " ");
    // A new date wants a new notice period: counted from today, so the payer can be told in time.
    const newDate = () => chargeDateOf(today, mandateState, today, { sentOn: today, workingDays: noticeWorkingDays });
    if (mandateState === "ACTIVE") {
      const notice = noticeGiven(row);
      if (notice === "GIVEN")
        return { to: "SUBMITTED", change: { description: `Submitted to Bacs (input day ${today})` } };
      // Moved on with a fresh notice, never cancelled: a relay down for a day gives emails up.
      const postponeTo = newDate();
      const why =
        notice === "NOT_SENT"
          ? `had not been sent by the Bacs input day ${today}`
          : `was sent on ${notice.lateOn}, too late for ${row.chargeDate}`;
      return {
        postponeTo,
        reason: "NOTICE_NOT_SENT",
        change: { description: `The payer's advance notice ${why}: charge date moved to ${postponeTo}` },
      };
    }
    if (mandateSettingUp(mandateState)) {
      const postponeTo = newDate();
      return {
        postponeTo,
        reason: "MANDATE_SETTING_UP",
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
  readsNotice: false,
  due: (today) => ({ where: `c."state" = 'SUBMITTED' and c."charge_date" <= ?`, params: [today] }),
  move: ({ chargeDate }) => ({
    to: "CONFIRMED",
    change: { description: `The payer's account was debited on ${chargeDate} with no unpaid return so far` },
  }),
};

/** payOutCollectionStep pays out confirmed collections one working day after their charge date. */
export const payOutCollectionStep: CollectionStep = {
  name: "payOut",
  readsNotice: false,
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
  notice_date: string;
  mandate_state: string;
  notice_working_days: number;
  /** Emails announcing it on its notice date, and those not sent (bigint, as strings). */
  notice_emails: string;
  notice_unsent: string;
  /** The London date the last of them was sent, or null. */
  notice_last_sent_on: string | null;
}

/** claimedRow is the step's view of a claimed collection. */
export function claimedRow(row: ClaimedCollection): ClaimedRow {
  return {
    chargeDate: row.charge_date,
    noticeDate: row.notice_date,
    mandateState: row.mandate_state,
    noticeWorkingDays: row.notice_working_days,
    notice: {
      emails: Number(row.notice_emails),
      unsent: Number(row.notice_unsent),
      lastSentOn: row.notice_last_sent_on,
    },
  };
}

/**
 * The emails that announced collection c on its notice date (a London day, as text): its own (a
 * one-off's, a re-presentation's, a move's) or its schedule's (created, changed, resumed). Whatever
 * announces it again moves its notice date, so a later change of the schedule that leaves it on
 * the old terms is not its notice.
 */
const londonDay = (column: string) => `to_char(${column} at time zone 'Europe/London', 'YYYY-MM-DD')`;
const noticeSql = `select count(*) as "emails", count(*) filter (where e."state" in ('PENDING', 'FAILED')) as "unsent", ${londonDay(`max(e."sent_time")`)} as "last_sent_on" from "payer_email" e where e."announces" in (c."id", c."schedule_id") and ${londonDay(`e."create_time"`)} = c."notice_date"`;
/** For steps that do not read the notice: no email looked at. */
const noNoticeSql = `select 0 as "emails", 0 as "unsent", null as "last_sent_on"`;

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
      `select c."id", c."organisation_id", c."charge_date", c."notice_date", m."state" as "mandate_state", o."advance_notice_working_days" as "notice_working_days", n."emails" as "notice_emails", n."unsent" as "notice_unsent", n."last_sent_on" as "notice_last_sent_on" from "collection" c join "mandate" m on m."id" = c."mandate_id" join "organisation" o on o."id" = c."organisation_id" cross join lateral (${step.readsNotice ? noticeSql : noNoticeSql}) n where ${where} order by c."id" limit ? for update of c skip locked`,
      [...params, limit],
      "all",
      tx.getTransactionContext(),
    );
}
