/**
 * A collection is submitted to Bacs only once its payer has been sent its advance notice: its
 * charge date counted the notice period from the day the email was queued. With the mail relay down
 * past the input day, or back too late for the date, the collection moves on to a new date with a
 * new notice that tells the payer why, and is submitted on that date's input day once the new notice
 * has gone. On a real server, PostgreSQL and Bacs processor, with a test clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addWorkingDays,
  countWorkingDays,
  DEFAULT_ADVANCE_NOTICE_WORKING_DAYS,
  nextWorkingDayOnOrAfter,
  submissionDateFor,
} from "../src/modules/calendar/bacs-calendar.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { Collection } from "../src/modules/collections/collection.entity.js";
import { monthlyDates } from "../src/modules/collections/schedule-dates.js";
import { Mandate } from "../src/modules/mandates/mandate.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { longDate } from "../src/modules/payer-notices/notice-emails.js";
import { PayerEmail } from "../src/modules/payer-notices/payer-email.entity.js";
import { type CollectionJson, createSchedule, type Staff, sessionRest, withAdmin } from "./support/collections.js";
import { emailsTo, type MandateJson, mandateIn, newTenant, scopedTo } from "./support/mandates.js";
import { type Relay, startTestServerWithRelay } from "./support/relay.js";
import { TestClock } from "./support/test-clock.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
let relay: Relay;
const clock = new TestClock();
const today = () => londonDate(clock.now());

beforeAll(async () => {
  ({ server, relay } = await startTestServerWithRelay(clock));
});
afterAll(async () => server?.close());

/** runUntil moves the clock a day at a time to `day`, running the Bacs processor each day. */
async function runUntil(day: string): Promise<void> {
  while (today() < day) {
    clock.advance(86_400_000);
    await server.app.processor.runOnce();
  }
}

/** oneOffUnannounced creates a one-off collection with the mail relay down, and leaves it down. */
async function oneOffUnannounced(): Promise<{ staff: Staff; mandate: MandateJson; collection: CollectionJson }> {
  const staff = await withAdmin(server, await newTenant(server));
  const mandate = await mandateIn(server, staff, "ACTIVE");
  relay.down = true;
  const answer = await sessionRest(server, "POST", "/v1/collections", staff.cookie, {
    mandate_id: mandate.id,
    amount_minor: "2500",
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return { staff, mandate, collection: answer.body as CollectionJson };
}

/** sendDue brings the relay back and sends every email waiting, six hours on (the longest retry wait). */
async function sendDue(): Promise<void> {
  relay.down = false;
  clock.advance(6 * 3_600_000);
  await server.app.payerEmails.sweep();
}

/** monthlyRent is a new organisation's monthly £700 schedule from today under an active mandate. */
async function monthlyRent() {
  const staff = await withAdmin(server, await newTenant(server));
  const mandate = await mandateIn(server, staff, "ACTIVE");
  const schedule = await createSchedule(server, staff, {
    mandate_id: mandate.id,
    amount_minor: "70000",
    interval_unit: "INTERVAL_UNIT_MONTHLY",
    start_date: today(),
  });
  return { staff, schedule };
}

async function changeAmount(cookie: string, scheduleId: string, amountMinor: string): Promise<void> {
  const changed = await sessionRest(
    server,
    "PATCH",
    `/v1/collectionSchedules/${scheduleId}?update_mask=amount_minor`,
    cookie,
    { amount_minor: amountMinor },
  );
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
}

const stored = (staff: Staff, id: string) => scopedTo(server, staff).findOneOrFail(Collection, id);

async function postponedMessage(staff: Staff, id: string): Promise<string> {
  const event = await scopedTo(server, staff).findOneOrFail(Notification, {
    type: "collection.postponed",
    resourceId: id,
  });
  return event.message;
}

describe("advance notice before submission", () => {
  it("moves a collection whose notice is still unsent on its input day, with a new notice saying why", async () => {
    const { staff, mandate, collection } = await oneOffUnannounced();
    const inputDay = submissionDateFor(collection.chargeDate);
    try {
      await runUntil(inputDay);
    } finally {
      relay.down = false;
    }
    const moved = await stored(staff, collection.id);
    expect(moved).toMatchObject({ state: "PENDING_SUBMISSION", noticeDate: inputDay });
    expect(moved.chargeDate > collection.chargeDate).toBe(true);
    expect(countWorkingDays(inputDay, moved.chargeDate)).toBeGreaterThanOrEqual(DEFAULT_ADVANCE_NOTICE_WORKING_DAYS);
    expect(await postponedMessage(staff, collection.id)).toContain(
      `The payer's advance notice had not been sent by the Bacs input day ${inputDay}`,
    );

    await sendDue();
    // The first notice, of a date that no longer holds, was withdrawn unsent: only the new one goes.
    const notices = (await emailsTo(server, mandate.payer.email)).filter((e) => e.subject.startsWith("Advance notice"));
    expect(notices.map((e) => e.subject)).toEqual([expect.stringContaining("moved to a later date")]);
    const [first] = await scopedTo(server, staff).find(
      PayerEmail,
      { announces: collection.id },
      { orderBy: { id: "asc" } },
    );
    expect(first?.state).toBe("WITHDRAWN");
    const notice = notices[0];
    expect(notice?.text).toContain(
      `could not send you advance notice of a £25.00 payment planned for ${longDate(collection.chargeDate)} in time.`,
    );
    expect(notice?.text).toContain(`It will be collected on ${longDate(moved.chargeDate)} instead.`);

    await runUntil(submissionDateFor(moved.chargeDate));
    expect((await stored(staff, collection.id)).state).toBe("SUBMITTED");
  });

  it("moves a collection whose notice went too late for its date", async () => {
    const { staff, collection } = await oneOffUnannounced();
    // Back five working days later: the notice then leaves the payer half the period.
    try {
      await runUntil(addWorkingDays(today(), 5));
    } finally {
      await sendDue();
    }
    const sentOn = today();
    expect(countWorkingDays(sentOn, collection.chargeDate)).toBeLessThan(DEFAULT_ADVANCE_NOTICE_WORKING_DAYS);
    const inputDay = submissionDateFor(collection.chargeDate);
    await runUntil(inputDay);
    const moved = await stored(staff, collection.id);
    expect(moved).toMatchObject({ state: "PENDING_SUBMISSION", noticeDate: inputDay });
    expect(await postponedMessage(staff, collection.id)).toContain(
      `The payer's advance notice was sent on ${sentOn}, too late for ${collection.chargeDate}`,
    );
    // The new notice went at once, on its own date: the new date is submitted.
    await runUntil(submissionDateFor(moved.chargeDate));
    expect((await stored(staff, collection.id)).state).toBe("SUBMITTED");
  });

  it("moves a collection whose notice email was given up on, rather than cancel it", async () => {
    const { staff, mandate, collection } = await oneOffUnannounced();
    // As after twelve failed attempts: about 20 hours of a relay down, or an address that takes no mail.
    await scopedTo(server, staff).nativeUpdate(PayerEmail, { announces: collection.id }, { state: "FAILED" });
    const inputDay = submissionDateFor(collection.chargeDate);
    try {
      await runUntil(inputDay);
    } finally {
      await sendDue();
    }
    const moved = await stored(staff, collection.id);
    expect(moved).toMatchObject({ state: "PENDING_SUBMISSION", noticeDate: inputDay });
    expect(await postponedMessage(staff, collection.id)).toContain(
      `The payer's advance notice had not been sent by the Bacs input day ${inputDay}`,
    );
    const notices = (await emailsTo(server, mandate.payer.email)).filter((e) => e.subject.startsWith("Advance notice"));
    expect(notices.map((e) => e.subject)).toEqual([expect.stringContaining("moved to a later date")]);
  });

  it("holds a collection until every notice of it from its notice date has gone: a same-day change too", async () => {
    const { staff, schedule } = await monthlyRent();
    // The amount is corrected the same day, with the relay down: the first notice (£700) went, the
    // second (£750) did not. The £750 collection must wait for it.
    relay.down = true;
    try {
      await changeAmount(staff.cookie, schedule.id, "75000");
      const [first] = await scopedTo(server, staff).find(Collection, { schedule: schedule.id });
      expect(first).toMatchObject({ amountMinor: 75000 });
      await runUntil(submissionDateFor(first!.chargeDate));
      const held = await stored(staff, first!.id);
      expect(held.state).toBe("PENDING_SUBMISSION");
      expect(held.chargeDate > first!.chargeDate).toBe(true);
    } finally {
      relay.down = false;
    }
  });

  it("submits a collection announced before a later change of its schedule left it on the old terms", async () => {
    const { staff, schedule } = await monthlyRent();
    const [first] = await scopedTo(server, staff).find(Collection, { schedule: schedule.id });
    // Five working days on the amount changes: the first payment is within the new notice period,
    // so it keeps £700 and the notice it had; the change's notice (sent now) is not its notice.
    await runUntil(addWorkingDays(today(), 5));
    await changeAmount((await withAdmin(server, staff)).cookie, schedule.id, "75000");
    await runUntil(submissionDateFor(first!.chargeDate));
    expect(await stored(staff, first!.id)).toMatchObject({
      state: "SUBMITTED",
      chargeDate: first!.chargeDate,
      amountMinor: 70000,
    });
  });

  it("charges a date caught up after a suspension under a notice of its own, telling the payer why", async () => {
    const { staff, schedule } = await monthlyRent();
    const mandateAction = async (action: "suspend" | "reactivate") => {
      const path = `/v1/mandates/${schedule.mandateId}:${action}`;
      // Signed in afresh: a month on, the first session has expired.
      const { cookie } = await withAdmin(server, staff);
      const answer = await sessionRest(server, "POST", path, cookie, { reason: "Arrears talks" });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    };
    // The second month's date passes while the mandate is suspended: it is not created then.
    const start = schedule.startDate;
    const planned = nextWorkingDayOnOrAfter(monthlyDates(start, Number(start.slice(8)), { count: 2 })[1]!);
    await mandateAction("suspend");
    await runUntil(addDays(planned, 1));
    await mandateAction("reactivate");
    await runUntil(nextWorkingDayOnOrAfter(addDays(today(), 1)));

    const createdOn = today();
    const pending = await scopedTo(server, staff).find(Collection, {
      schedule: schedule.id,
      state: "PENDING_SUBMISSION",
    });
    expect(pending, "the missed date is caught up once").toHaveLength(1);
    const caughtUp = pending[0];
    // Not the plan's date, which the payer was told: a date of its own, a whole notice period on.
    expect(caughtUp!.noticeDate).toBe(createdOn);
    expect(countWorkingDays(createdOn, caughtUp!.chargeDate)).toBeGreaterThanOrEqual(
      DEFAULT_ADVANCE_NOTICE_WORKING_DAYS,
    );
    // Sent as the run committed (the relay is up): its own notice, saying why.
    const mandate = await scopedTo(server, staff).findOneOrFail(Mandate, schedule.mandateId);
    const moved = (await emailsTo(server, mandate.payerEmail)).filter((e) =>
      e.subject.endsWith("moved to a later date"),
    );
    expect(moved).toHaveLength(1);
    expect(moved[0]?.text).toContain(`did not collect the £700.00 payment due on ${longDate(planned)}.`);
    expect(moved[0]?.text).toContain(`It will be collected on ${longDate(caughtUp!.chargeDate)} instead.`);

    // Its own notice went: it is submitted on its input day.
    await runUntil(submissionDateFor(caughtUp!.chargeDate));
    expect(await stored(staff, caughtUp!.id)).toMatchObject({ state: "SUBMITTED", chargeDate: caughtUp!.chargeDate });
  });

  it.each(["cancel", "pause"] as const)(
    "withdraws a schedule's notice not yet sent when the schedule is %sd meanwhile",
    async (action) => {
      const staff = await withAdmin(server, await newTenant(server));
      const mandate = await mandateIn(server, staff, "ACTIVE");
      relay.down = true;
      let scheduleId: string;
      try {
        scheduleId = (
          await createSchedule(server, staff, {
            mandate_id: mandate.id,
            amount_minor: "70000",
            interval_unit: "INTERVAL_UNIT_MONTHLY",
            start_date: today(),
          })
        ).id;
        const path = `/v1/collectionSchedules/${scheduleId}:${action}`;
        const answer = await sessionRest(server, "POST", path, staff.cookie, { reason: "Tenant moved out" });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      } finally {
        await sendDue();
      }
      // The payer is not told of payments that will not be taken.
      const notices = await scopedTo(server, staff).find(PayerEmail, { announces: scheduleId });
      expect(notices.map((e) => e.state)).toEqual(["WITHDRAWN"]);
      expect(await emailsTo(server, mandate.payer.email)).not.toContainEqual(
        expect.objectContaining({ subject: expect.stringContaining("Advance notice") }),
      );
    },
  );

  it("submits on the date announced when the notice went the day it was queued", async () => {
    const staff = await withAdmin(server, await newTenant(server));
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const answer = await sessionRest(server, "POST", "/v1/collections", staff.cookie, {
      mandate_id: mandate.id,
      amount_minor: "2500",
    });
    const collection = answer.body as CollectionJson;
    await runUntil(submissionDateFor(collection.chargeDate));
    expect(await stored(staff, collection.id)).toMatchObject({ state: "SUBMITTED", chargeDate: collection.chargeDate });
  });
});
