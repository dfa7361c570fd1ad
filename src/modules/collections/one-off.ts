/**
 * one-off.ts creates a one-off collection (CreateCollection): a single payment under a mandate,
 * outside any schedule. It is charged on the date asked for, or by default on the earliest date the
 * mandate's set-up and the organisation's notice period allow, and never on a day the mandate is
 * already debited on (charge-days.ts). The payer's advance notice of its amount and date is given
 * in the same transaction (the hook), as a schedule's is.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { newId } from "../../platform/ids.js";
import { nextWorkingDayOnOrAfter } from "../calendar/bacs-calendar.js";
import { addDays, type IsoDate, isIsoDate } from "../calendar/plain-date.js";
import { type FieldViolation, InvalidArgumentError } from "../errors.js";
import type { Acting } from "../identity/acting.js";
import { recordAudit } from "../identity/audit-log.js";
import { Organisation } from "../identity/organisation.entity.js";
import type { Mandate } from "../mandates/mandate.entity.js";
import { firstFreeDay, maxDaysAhead, takenChargeDays } from "./charge-days.js";
import { lockMandateForNewCollections } from "./collecting-mandate.js";
import { Collection } from "./collection.entity.js";
import { recordCollectionCreated } from "./collection-state-change.js";
import { checkDescription, checkPayment } from "./schedule-fields.js";
import { chargeDateOf } from "./schedule-plan.js";

/** NewOneOff is a CreateCollection request in plain values, as the contract has them ("" and 0 for unset). */
export interface NewOneOff {
  mandateId: string;
  amountMinor: bigint;
  currency: string;
  chargeDate: string;
  description: string;
}

/** ValidOneOff is a request that passed its field checks. */
export interface ValidOneOff {
  amountMinor: number;
  /** null: the earliest date allowed. */
  chargeDate: IsoDate | null;
  description: string;
}

/**
 * OneOffNoticeHook runs in the transaction that creates a one-off collection: it gives the payer
 * notice of its amount and date (or, when the organisation sends its own, tells the organisation
 * to). A throw undoes the collection: none goes ahead without its notice.
 */
export type OneOffNoticeHook = (
  em: EntityManager,
  notice: { collection: Collection; mandate: Mandate; organisation: Organisation },
  now: Date,
) => Promise<void>;

const path = (field: string) => `collection.${field}`;

/** checkOneOff returns the violations of `input` (empty when valid) and, if valid, its values. */
export function checkOneOff(input: NewOneOff, today: IsoDate): { violations: FieldViolation[]; valid?: ValidOneOff } {
  const violations: FieldViolation[] = [];
  const bad = (field: string, description: string) => violations.push({ field: path(field), description });
  checkPayment(input, bad);
  const latest = addDays(today, maxDaysAhead);
  if (input.chargeDate !== "") {
    if (!isIsoDate(input.chargeDate)) bad("charge_date", "must be a calendar date YYYY-MM-DD");
    else if (input.chargeDate < today) bad("charge_date", `must be today (${today}, Europe/London) or later`);
    else if (input.chargeDate > latest) bad("charge_date", `must be ${latest} or earlier (${maxDaysAhead} days ahead)`);
  }
  checkDescription(input.description, path("description"), violations);
  if (violations.length > 0) return { violations };
  return {
    violations,
    valid: {
      amountMinor: Number(input.amountMinor),
      chargeDate: input.chargeDate === "" ? null : input.chargeDate,
      description: input.description.trim(),
    },
  };
}

/** OneOffContext is what createOneOff needs of its manager: the time, and the notice hook. */
export interface OneOffContext {
  now: Date;
  today: IsoDate;
  onNotice?: OneOffNoticeHook | undefined;
}

/**
 * createOneOff stores a PENDING_SUBMISSION collection without a schedule, with its event, audit
 * event and advance notice. The mandate is locked, so two one-offs (or a cancellation) under it
 * queue: the second sees the first's day as taken.
 */
export async function createOneOff(
  em: EntityManager,
  acting: Acting,
  input: NewOneOff,
  { now, today, onNotice }: OneOffContext,
): Promise<Collection> {
  const { violations, valid } = checkOneOff(input, today);
  if (!valid) throw new InvalidArgumentError(violations);
  return em.transactional(async (tx) => {
    const mandate = await lockMandateForNewCollections(tx, input.mandateId);
    const organisation = await tx.findOneOrFail(Organisation, acting.organisationId);
    // The payer is told today: the notice period counts from here.
    const notice = { sentOn: today, workingDays: organisation.advanceNoticeWorkingDays };
    const earliest = chargeDateOf(today, mandate.state, today, notice);
    const chargeDate = await chooseChargeDate(tx, mandate.id, valid.chargeDate, earliest);
    const collection = tx.create(Collection, {
      id: newId("CL", now.getTime()),
      organisation: acting.organisationId,
      mandate,
      schedule: null,
      amountMinor: valid.amountMinor,
      currency: "GBP",
      chargeDate,
      originalChargeDate: chargeDate,
      retryCount: 0,
      noticeDate: today,
      state: "PENDING_SUBMISSION",
      reasonCode: null,
      description: valid.description,
      stateChangeTime: now,
      paidOutTime: null,
      createTime: now,
      updateTime: now,
    });
    recordCollectionCreated(tx, collection, now);
    recordAudit(tx, { ...acting, action: "collection.create", target: collection.id, outcome: "success", time: now });
    await onNotice?.(tx, { collection, mandate, organisation }, now);
    await tx.flush();
    return collection;
  });
}

/**
 * chooseChargeDate is the asked date moved to a working day, refused when earlier than `earliest`
 * or already taken; with none asked, the first free day from `earliest`.
 */
async function chooseChargeDate(
  em: EntityManager,
  mandateId: string,
  asked: IsoDate | null,
  earliest: IsoDate,
): Promise<IsoDate> {
  if (asked === null) {
    // A year of days is far more than the free day can be away: schedules leave most days free.
    const taken = await takenChargeDays(em, mandateId, earliest, addDays(earliest, maxDaysAhead + 1));
    return firstFreeDay(taken, earliest);
  }
  const day = nextWorkingDayOnOrAfter(asked);
  if (day < earliest)
    throw InvalidArgumentError.field(path("charge_date"), `is before the earliest possible charge date ${earliest}`);
  const takenBy = (await takenChargeDays(em, mandateId, day, day)).get(day);
  if (takenBy !== undefined)
    throw InvalidArgumentError.field(
      path("charge_date"),
      `${day} is taken by ${takenBy}: choose a day the mandate is not debited on`,
    );
  return day;
}
