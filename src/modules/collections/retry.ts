/**
 * retry.ts presents a FAILED collection to the payer's bank again (a re-presentation). Bacs allows it
 * only for a debit returned unpaid with ARUDD reason code "0" (refer to payer: usually not enough
 * funds that day), within one month of its first charge date, and the payer must be told the new
 * date in advance, like any other; we allow it at most twice, so a payer in difficulty is not
 * debited again and again. The collection goes back to PENDING_SUBMISSION with a new charge date,
 * keeping its id, amount and first charge date, so Bacs processing, the sandbox and the reports
 * take it as any other collection (it can fail again, or be paid out).
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Clock } from "../../platform/clock.js";
import { lockForChange } from "../../platform/db/lock-for-change.js";
import { nextWorkingDayOnOrAfter } from "../calendar/bacs-calendar.js";
import { londonDate } from "../calendar/london-date.js";
import { addDays, type IsoDate, isIsoDate, parseIsoDate } from "../calendar/plain-date.js";
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import { lockMandate } from "../mandates/locked-mandate.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { firstFreeDay, maxDaysAhead, type TakenDays, takenChargeDays } from "./charge-days.js";
import { Collection } from "./collection.entity.js";
import { applyCollectionStateChange } from "./collection-state-change.js";
import { monthlyDates } from "./schedule-dates.js";
import { chargeDateOf } from "./schedule-plan.js";

/** The only ARUDD reason code Bacs lets a service user re-present: "0", refer to payer. */
export const REPRESENTABLE_REASON_CODE = "0";

/** MAX_RETRIES is how many times we present one collection again (a payer's bank sees it at most 3 times). */
export const MAX_RETRIES = 2;

/** The feed's event of a re-presentation (alert.mapper.ts shows it as NOTIFICATION_TYPE_COLLECTION_RETRIED). */
export const collectionRetriedType = "collection.retried";

/** RetryRequest is RetryCollection's request: the collection and, optionally, its new charge date ("" for the earliest). */
export interface RetryRequest {
  collectionId: string;
  chargeDate: string;
}

/** RetriedCollection is a collection just presented again, for the payer's advance notice of it. */
export interface RetriedCollection {
  collection: Collection;
  mandate: Mandate;
  organisation: Organisation;
}

/**
 * RetryNoticeHook runs in the retry's transaction, after the collection has its new date: it gives
 * the payer advance notice of the re-presentation (or tells the organisation to). A throw undoes
 * the retry: no collection is presented again without its notice.
 */
export type RetryNoticeHook = (em: EntityManager, retried: RetriedCollection, now: Date) => Promise<void>;

/** RetryOptions are what a retry depends on besides the request. */
export interface RetryOptions {
  clock: Clock;
  onRetryNotice?: RetryNoticeHook | undefined;
}

/**
 * retryWindowEnd is the last day a collection first charged on `originalChargeDate` may be presented
 * again: the same day a month later, or that month's last day when it has no such day (31 January →
 * 28 or 29 February).
 */
export function retryWindowEnd(originalChargeDate: IsoDate): IsoDate {
  const { day } = parseIsoDate(originalChargeDate);
  return monthlyDates(originalChargeDate, day, { count: 2 })[1]!;
}

/**
 * checkRetryRequest refuses a malformed request before anything is read. A date in the past or more
 * than a year ahead can never be in the scheme's window; refused here, it also never reaches the
 * calendar, which knows bank holidays for 2000–2100 only.
 */
export function checkRetryRequest(request: RetryRequest, today: IsoDate): void {
  const violations: FieldViolation[] = [];
  if (request.collectionId === "") violations.push({ field: "collection_id", description: "is required" });
  if (request.chargeDate !== "" && !isIsoDate(request.chargeDate))
    violations.push({ field: "charge_date", description: "must be a calendar date YYYY-MM-DD" });
  else if (request.chargeDate !== "" && request.chargeDate < today)
    violations.push({ field: "charge_date", description: `must be today (${today}) or later` });
  else if (request.chargeDate > addDays(today, maxDaysAhead))
    violations.push({ field: "charge_date", description: `must be within ${maxDaysAhead} days of today` });
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}

/** RetryDates are the bounds a re-presentation's charge date must keep. */
export interface RetryDates {
  /** The first day the notice period and the Bacs cycle allow, counted from today. */
  earliest: IsoDate;
  /** The last day the scheme allows (retryWindowEnd). */
  windowEnd: IsoDate;
  noticeWorkingDays: number;
  taken: TakenDays;
}

/**
 * retryChargeDate picks the new charge date: the requested one moved to a working day, or, when
 * none is requested, the first free working day from the earliest. A requested date outside the
 * bounds or already taken is INVALID_ARGUMENT charge_date saying which bound.
 */
export function retryChargeDate(requested: string, dates: RetryDates): IsoDate {
  if (requested === "") return firstFreeDay(dates.taken, dates.earliest);
  const day = nextWorkingDayOnOrAfter(requested);
  const said = day === requested ? requested : `${requested} (moved to the next Bacs working day, ${day})`;
  if (day < dates.earliest) {
    throw InvalidArgumentError.field(
      "charge_date",
      `${said} is too early: the payer must have ${dates.noticeWorkingDays} working days' notice, so the earliest is ${dates.earliest}`,
    );
  }
  if (day > dates.windowEnd) {
    throw InvalidArgumentError.field(
      "charge_date",
      `${said} is too late: Bacs allows a re-presentation within one month of the first charge date, so the last day is ${dates.windowEnd}`,
    );
  }
  const takenBy = dates.taken.get(day);
  if (takenBy !== undefined) {
    throw InvalidArgumentError.field(
      "charge_date",
      `${said} is taken by ${takenBy} of the same mandate: a payer is debited at most once a day`,
    );
  }
  return day;
}

/**
 * retryCollection moves the organisation's FAILED collection back to PENDING_SUBMISSION with a new
 * charge date, and gives the payer advance notice of it, in one transaction that locks the
 * collection and then its mandate (so a concurrent cancellation of the mandate either sees the
 * pending collection and cancels it, or is seen here and refuses the retry). Refusals, cheapest
 * first, write nothing.
 */
export async function retryCollection(
  em: EntityManager,
  acting: Acting,
  request: RetryRequest,
  options: RetryOptions,
): Promise<Collection> {
  const now = options.clock.now();
  const today = londonDate(now);
  checkRetryRequest(request, today);
  return em.transactional(async (tx) => {
    const collection = await tx.findOne(Collection, { id: request.collectionId }, lockForChange());
    if (!collection) throw new NotFoundError("collection", request.collectionId);
    assertRetryable(collection);
    const mandate = await lockMandate(tx, collection.mandate.id);
    if (mandate.state !== "ACTIVE") {
      throw new FailedPreconditionError(
        "MANDATE_NOT_ACTIVE",
        `collection ${collection.id} cannot be presented again: its mandate ${mandate.id} is ${mandate.state}`,
        { mandate_state: mandate.state },
      );
    }
    const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
    const noticeWorkingDays = organisation.advanceNoticeWorkingDays;
    const earliest = chargeDateOf(today, "ACTIVE", today, { sentOn: today, workingDays: noticeWorkingDays });
    const windowEnd = retryWindowEnd(collection.originalChargeDate);
    const taken = await takenChargeDays(tx, mandate.id, earliest, windowEnd);
    const first = firstFreeDay(taken, earliest);
    if (first > windowEnd) {
      throw new FailedPreconditionError(
        "RETRY_WINDOW_PASSED",
        `collection ${collection.id} was first charged on ${collection.originalChargeDate}: Bacs allows a re-presentation until ${windowEnd}, and with ${noticeWorkingDays} working days' notice the earliest free day is ${first}`,
        {
          original_charge_date: collection.originalChargeDate,
          last_retry_date: windowEnd,
          earliest_charge_date: first,
        },
      );
    }
    const chargeDate = retryChargeDate(request.chargeDate, { earliest, windowEnd, noticeWorkingDays, taken });
    const failedOn = collection.chargeDate;
    collection.chargeDate = chargeDate;
    // The payer is told of the new date today: the notice period counts from here.
    collection.noticeDate = today;
    collection.retryCount += 1;
    applyCollectionStateChange(
      tx,
      collection,
      "PENDING_SUBMISSION",
      {
        eventType: collectionRetriedType,
        description: `presented again (retry ${collection.retryCount} of ${MAX_RETRIES}): the payer's bank returned the debit of ${failedOn} unpaid (ARUDD ${REPRESENTABLE_REASON_CODE}, refer to payer); first charge date ${collection.originalChargeDate}`,
      },
      now,
    );
    await options.onRetryNotice?.(tx, { collection, mandate, organisation }, now);
    recordAudit(tx, { ...acting, action: "collection.retry", target: collection.id, outcome: "success", time: now });
    await tx.flush();
    return collection;
  });
}

/** assertRetryable refuses a collection the scheme or our limit does not let us present again. */
function assertRetryable(collection: Collection): void {
  if (collection.state !== "FAILED") {
    throw new FailedPreconditionError(
      "COLLECTION_NOT_FAILED",
      `collection ${collection.id} is ${collection.state}: only a FAILED collection can be presented again`,
      { state: collection.state },
    );
  }
  if (collection.reasonCode !== REPRESENTABLE_REASON_CODE) {
    throw new FailedPreconditionError(
      "RETRY_NOT_ALLOWED_FOR_REASON",
      `collection ${collection.id} was returned with ARUDD reason code "${collection.reasonCode ?? ""}": Bacs allows only a debit returned with code "0" (refer to payer) to be presented again`,
      { reason_code: collection.reasonCode ?? "" },
    );
  }
  if (collection.retryCount >= MAX_RETRIES) {
    throw new FailedPreconditionError(
      "RETRY_LIMIT_REACHED",
      `collection ${collection.id} was already presented again ${collection.retryCount} times, the most we allow`,
      { retry_count: String(collection.retryCount), max_retries: String(MAX_RETRIES) },
    );
  }
}
