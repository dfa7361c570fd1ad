/**
 * Bacs processing on a real server and real PostgreSQL, over Bacs days set by hand: a completed
 * mandate is submitted on the next working day and activated two working days later, across a
 * weekend and the Easter bank holidays; and two processors on two servers sharing one database
 * submit and activate each of 200 mandates exactly once. Collections: a monthly schedule run day by
 * day through a simulated month (SUBMITTED on the input day, CONFIRMED on the charge date, PAID_OUT
 * one working day later); a collection whose mandate is suspended on its input day is cancelled;
 * mandates dormant for 13 months expire; and the two processors move each of 200 collections
 * through each state exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addWorkingDays, countWorkingDays, submissionDateFor } from "../src/modules/calendar/bacs-calendar.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { chargeDateOf } from "../src/modules/collections/schedule-plan.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { longDate } from "../src/modules/payer-notices/notice-emails.js";
import { BacsProcessor } from "../src/modules/processing/bacs-processor.js";
import type { Clock } from "../src/platform/clock.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { type CollectionJson, createSchedule, type Staff, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import {
  completeMandate,
  createMandate,
  emailsTo,
  goodBankDetails,
  type MandateJson,
  mandateIn,
  outbox,
  rest,
  scopedTo,
  type Tenant,
} from "./support/mandates.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** ManualClock stands still at the instant a test sets. */
class ManualClock implements Clock {
  private instant = new Date("2027-03-01T10:00:00Z");
  now(): Date {
    return new Date(this.instant);
  }
  /** set moves to `day` (YYYY-MM-DD) at `time` UTC (10:00 is 10:00 or 11:00 in London: same date). */
  set(day: string, time = "10:00:00"): Date {
    this.instant = new Date(`${day}T${time}Z`);
    return this.now();
  }
}

const clock = new ManualClock();
let server: TestServer;
let tenant: Tenant;

beforeAll(async () => {
  server = await startTestServer({ clock, withoutRedis: true });
  const organisationId = await newOrganisation(server);
  tenant = { organisationId, secret: (await newApiKey(server, organisationId)).secret };
});
afterAll(async () => server?.close());

async function stateOf(id: string): Promise<MandateJson> {
  const answer = await rest(server, "GET", `/v1/mandates/${id}`, tenant.secret);
  return answer.body as MandateJson;
}

/** completedOn creates a mandate and has the payer complete it on `day`. */
async function completedOn(day: string): Promise<MandateJson> {
  clock.set(day, "09:00:00");
  const mandate = await createMandate(server, tenant);
  await completeMandate(server, mandate);
  return mandate;
}

/** statesOver runs the processor once on each day (10:00) and lists the mandate's state after it. */
async function statesOver(id: string, days: string[]): Promise<Record<string, string>> {
  const states: Record<string, string> = {};
  for (const day of days) {
    await server.app.processor.runOnce(clock.set(day));
    states[day] = (await stateOf(id)).state.replace("MANDATE_STATE_", "");
  }
  return states;
}

describe("BacsProcessor over Bacs days", () => {
  it("submits a mandate completed on Saturday on Monday and activates it on Wednesday", async () => {
    const mandate = await completedOn("2027-03-06"); // Saturday
    expect(
      await statesOver(mandate.id, ["2027-03-06", "2027-03-07", "2027-03-08", "2027-03-09", "2027-03-10"]),
    ).toEqual({
      "2027-03-06": "PENDING_SUBMISSION",
      "2027-03-07": "PENDING_SUBMISSION",
      "2027-03-08": "SUBMITTED",
      "2027-03-09": "SUBMITTED",
      "2027-03-10": "ACTIVE",
    });
    const active = await stateOf(mandate.id);
    expect(active.lastStateChange).toMatchObject({
      previousState: "MANDATE_STATE_SUBMITTED",
      cause: "MANDATE_CAUSE_PROCESSING",
    });
    expect(active.lastStateChange.reasonCode).toBeUndefined();
  });

  it("submits on the day a payer completes on a working day and waits over the weekend inside the AUDDIS window", async () => {
    const mandate = await completedOn("2027-03-11"); // Thursday
    expect(
      await statesOver(mandate.id, ["2027-03-11", "2027-03-12", "2027-03-13", "2027-03-14", "2027-03-15"]),
    ).toEqual({
      "2027-03-11": "SUBMITTED",
      "2027-03-12": "SUBMITTED",
      "2027-03-13": "SUBMITTED",
      "2027-03-14": "SUBMITTED",
      "2027-03-15": "ACTIVE", // Thursday + 2 working days
    });
  });

  it("does nothing on Good Friday and Easter Monday", async () => {
    const beforeEaster = await completedOn("2027-03-25"); // Thursday before Good Friday
    let onGoodFriday: MandateJson | undefined;
    const days = [
      "2027-03-25",
      "2027-03-26",
      "2027-03-27",
      "2027-03-28",
      "2027-03-29",
      "2027-03-30",
      "2027-03-31",
      "2027-04-01",
    ];
    const first: Record<string, string> = {};
    const second: Record<string, string> = {};
    for (const day of days) {
      if (day === "2027-03-26") onGoodFriday = await completedOn(day);
      await server.app.processor.runOnce(clock.set(day));
      first[day] = (await stateOf(beforeEaster.id)).state.replace("MANDATE_STATE_", "");
      if (onGoodFriday) second[day] = (await stateOf(onGoodFriday.id)).state.replace("MANDATE_STATE_", "");
    }
    expect(first).toEqual({
      "2027-03-25": "SUBMITTED",
      "2027-03-26": "SUBMITTED",
      "2027-03-27": "SUBMITTED",
      "2027-03-28": "SUBMITTED",
      "2027-03-29": "SUBMITTED",
      "2027-03-30": "SUBMITTED",
      "2027-03-31": "ACTIVE",
      "2027-04-01": "ACTIVE",
    });
    expect(second).toEqual({
      "2027-03-26": "PENDING_SUBMISSION",
      "2027-03-27": "PENDING_SUBMISSION",
      "2027-03-28": "PENDING_SUBMISSION",
      "2027-03-29": "PENDING_SUBMISSION",
      "2027-03-30": "SUBMITTED",
      "2027-03-31": "SUBMITTED",
      "2027-04-01": "ACTIVE",
    });
  });

  it("reports what a run did and records one notification per step", async () => {
    const mandate = await completedOn("2027-04-02"); // Friday
    const saturday = await server.app.processor.runOnce(clock.set("2027-04-03"));
    expect(saturday).toMatchObject({ workingDay: false, submitted: 0, activated: 0 });
    expect(await server.app.processor.runOnce(clock.set("2027-04-05"))).toMatchObject({
      workingDay: true,
      submitted: 1,
      activated: 0,
      failed: 0,
    });
    expect(await server.app.processor.runOnce(clock.set("2027-04-07"))).toMatchObject({
      submitted: 0,
      activated: 1,
      failed: 0,
    });
    const em = scopeToOrganisation(server.admin.em.fork(), tenant.organisationId);
    const rows = await em
      .getConnection()
      .execute<{ type: string }[]>(`select "type" from "notification" where "resource_id" = ? order by "id"`, [
        mandate.id,
      ]);
    // Ids made at one instant are not ordered among themselves (the clock stands still): compare as sets.
    expect(rows.map((r) => r.type).sort()).toEqual([
      "mandate.active",
      "mandate.completed_by_payer",
      "mandate.created",
      "mandate.submitted",
      "payer.instruction_confirmation",
    ]);
  });

  it("leaves a mandate the payer's bank rejected in time alone", async () => {
    const mandate = await completedOn("2027-04-12"); // Monday
    await server.app.processor.runOnce(clock.set("2027-04-12"));
    const em = scopeToOrganisation(server.admin.em.fork(), tenant.organisationId);
    const acting = { organisationId: tenant.organisationId, actor: "system" };
    await server.app.mandateTransitions.applyExternal(em, acting, mandate.id, "fail", {
      cause: "BACS_AUDDIS",
      reasonCode: "B",
      description: "Account closed",
    });
    expect(await server.app.processor.runOnce(clock.set("2027-04-14"))).toMatchObject({ activated: 0, failed: 0 });
    expect((await stateOf(mandate.id)).state).toBe("MANDATE_STATE_FAILED");
  });
});

/** collectionsOfSchedule lists a schedule's collections over REST, oldest charge date first. */
async function collectionsOfSchedule(staff: Staff, scheduleId: string): Promise<CollectionJson[]> {
  const answer = await rest(server, "GET", `/v1/collections?schedule_id=${scheduleId}`, staff.secret);
  expect(answer.status).toBe(200);
  return ((answer.body.collections ?? []) as CollectionJson[]).sort((a, b) => a.chargeDate.localeCompare(b.chargeDate));
}

/** notificationTypes lists the notification types of a resource, sorted (raw SQL, one organisation's rows). */
async function notificationTypes(resourceId: string): Promise<string[]> {
  const rows = await server.admin.em
    .fork()
    .getConnection()
    .execute<{ type: string }[]>(`select "type" from "notification" where "resource_id" = ?`, [resourceId]);
  return rows.map((r) => r.type).sort();
}

/**
 * processorWithNoticesDown is a second Bacs processor on the same database whose payer notices of
 * moved collections always fail, with the steps it counted as failed and the lines it logged.
 */
function processorWithNoticesDown() {
  const failedSteps: string[] = [];
  const logged: string[] = [];
  const noticeDown = new BacsProcessor({
    orm: server.database.orm,
    clock,
    transitions: server.app.mandateTransitions,
    logger: createLogger("error", { write: (line: string) => logged.push(line) }),
    onCollectionMoved: () => Promise.reject(new Error("outbox unavailable")),
    onRowFailed: (step) => failedSteps.push(step),
  });
  return { noticeDown, failedSteps, logged };
}

// After the mandate tests: these move the shared clock to June 2027 and then more than a year on.
describe("BacsProcessor over a month of collections", () => {
  let staff: Staff;
  /** signIn signs a fresh admin in at the clock's now: a session does not outlive a jump of months. */
  const signIn = async (day: string) => {
    clock.set(day);
    staff = await withAdmin(server, tenant);
  };

  it("submits a monthly collection on its input day, confirms it on the charge date and pays it out the next working day", async () => {
    await signIn("2027-06-01"); // Tuesday
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "95000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-06-25",
      description: "Rent, Flat 9",
    });
    const [first] = await collectionsOfSchedule(staff, schedule.id);
    const chargeDate = first!.chargeDate; // Friday 25 June 2027
    expect(chargeDate).toBe("2027-06-25");
    const submitDay = submissionDateFor(chargeDate); // Wednesday 23 June
    const payoutDay = addWorkingDays(chargeDate, 1); // Monday 28 June
    const seen: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (let day = "2027-06-01"; day <= "2027-07-12"; day = addDays(day, 1)) {
      await server.app.processor.runOnce(clock.set(day));
      const now = (await collectionsOfSchedule(staff, schedule.id)).find((c) => c.id === first!.id)!;
      seen[day] = now.state.replace("COLLECTION_STATE_", "");
      expected[day] =
        day >= payoutDay
          ? "PAID_OUT"
          : day >= chargeDate
            ? "CONFIRMED"
            : day >= submitDay
              ? "SUBMITTED"
              : "PENDING_SUBMISSION";
    }
    expect(seen).toEqual(expected);
    expect(seen["2027-06-23"]).toBe("SUBMITTED");
    expect(seen["2027-06-26"]).toBe("CONFIRMED"); // Saturday: nothing happens
    expect(seen["2027-06-28"]).toBe("PAID_OUT");
    expect(await notificationTypes(first!.id)).toEqual([
      "collection.confirmed",
      "collection.created",
      "collection.paid_out",
      "collection.submitted",
    ]);
    // Monday 12 July, the first working day 14 days before 25 July, created July's collection; it waits.
    const all = await collectionsOfSchedule(staff, schedule.id);
    expect(all.map((c) => [c.chargeDate, c.state])).toEqual([
      ["2027-06-25", "COLLECTION_STATE_PAID_OUT"],
      ["2027-07-26", "COLLECTION_STATE_PENDING_SUBMISSION"], // 25 July is a Sunday
    ]);
  });

  it("cancels a collection whose mandate is suspended on its input day, and the schedule carries on", async () => {
    await signIn("2027-07-13");
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "1000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-08-02",
    });
    const [collection] = await collectionsOfSchedule(staff, schedule.id);
    expect(
      (await rest(server, "POST", `/v1/mandates/${mandate.id}:suspend`, tenant.secret, { reason: "tenant on holiday" }))
        .status,
    ).toBe(200);
    const run = await server.app.processor.runOnce(clock.set(submissionDateFor(collection!.chargeDate)));
    expect(run.collectionsCancelled).toBeGreaterThanOrEqual(1);
    expect(collection!.chargeDate).toBe("2027-08-02");
    const after = await rest(server, "GET", `/v1/collections/${collection!.id}`, tenant.secret);
    expect(after.body.state).toBe("COLLECTION_STATE_CANCELLED");
    expect((await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, tenant.secret)).body.state).toBe(
      "COLLECTION_SCHEDULE_STATE_ACTIVE",
    );
  });

  it("postpones a collection whose mandate is still being set up on its input day, and submits it once the mandate is active", async () => {
    await signIn("2027-09-01");
    const mandate = await createMandate(server, tenant); // the payer has not completed the invite yet
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "95000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-09-01",
    });
    const [first] = await collectionsOfSchedule(staff, schedule.id);
    const inputDay = submissionDateFor(first!.chargeDate);
    const run = await server.app.processor.runOnce(clock.set(inputDay));
    expect(run).toMatchObject({ collectionsPostponed: 1, collectionsCancelled: 0 });
    const [waiting] = await collectionsOfSchedule(staff, schedule.id);
    expect(waiting).toMatchObject({ id: first!.id, state: "COLLECTION_STATE_PENDING_SUBMISSION" });
    // Never presented on the first date: a re-presentation's month counts from the new one.
    expect(waiting!.originalChargeDate).toBe(waiting!.chargeDate);
    expect(waiting!.chargeDate > first!.chargeDate).toBe(true);
    expect(waiting!.chargeDate).toBe(
      chargeDateOf(inputDay, "PENDING_CUSTOMER_APPROVAL", inputDay, { sentOn: inputDay, workingDays: 10 }),
    );
    expect(await notificationTypes(first!.id)).toContain("collection.postponed");
    // A date the payer was not told of needs its own advance notice: emailed that day, the new date
    // the full notice period on, and recorded in the feed.
    expect(countWorkingDays(inputDay, waiting!.chargeDate)).toBeGreaterThanOrEqual(10);
    const moved = (await emailsTo(server, mandate.payer.email)).filter((e) => /moved to a later date$/.test(e.subject));
    expect(moved).toHaveLength(1);
    expect(moved[0]!.subject).toMatch(/^Advance notice: £950\.00 Direct Debit to .+ moved to a later date$/);
    expect(moved[0]!.text).toContain(`due on ${longDate(first!.chargeDate)}`);
    // The payer has not completed the invite yet: the new date holds once they do.
    expect(moved[0]!.text).toContain("You have not completed your Direct Debit Instruction");
    expect(moved[0]!.text).toContain(
      `Once you complete it, the payment will be collected on ${longDate(waiting!.chargeDate)} instead. Your other payments keep their dates.`,
    );
    const feed = await scopedTo(server, tenant).find(Notification, {
      collectionId: first!.id,
      type: "payer.advance_notice",
    });
    expect(feed.map((n) => n.message)).toContainEqual(
      `Advance notice emailed to the payer: £950.00 moved from ${first!.chargeDate} to ${waiting!.chargeDate} under mandate ${mandate.id}`,
    );
    // The payer completes that day; Bacs processing lodges and activates the mandate; the collection goes.
    await completeMandate(server, mandate);
    for (let day = addDays(inputDay, 1); day <= waiting!.chargeDate; day = addDays(day, 1))
      await server.app.processor.runOnce(clock.set(day));
    expect((await stateOf(mandate.id)).state).toBe("MANDATE_STATE_ACTIVE");
    const [taken] = await collectionsOfSchedule(staff, schedule.id);
    expect(taken).toMatchObject({
      id: first!.id,
      chargeDate: waiting!.chargeDate,
      state: "COLLECTION_STATE_CONFIRMED",
    });
  });

  it("leaves a collection where it was when its payer cannot be told of the move, and reports the row", async () => {
    await signIn("2027-10-01");
    const mandate = await createMandate(server, tenant); // not completed: the input day moves it
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "1200",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-10-01",
    });
    const [first] = await collectionsOfSchedule(staff, schedule.id);
    const { noticeDown, failedSteps, logged } = processorWithNoticesDown();
    const inputDay = submissionDateFor(first!.chargeDate);
    const run = await noticeDown.runOnce(clock.set(inputDay));
    expect(run.failed).toBeGreaterThanOrEqual(1);
    expect(failedSteps).toContain("collection.submit");
    // Every run fails it again (every few seconds): counted each time, logged in full once.
    await noticeDown.runOnce(clock.set(inputDay));
    expect(failedSteps.filter((step) => step === "collection.submit").length).toBeGreaterThanOrEqual(2);
    const aboutIt = logged.filter((line) => line.includes(first!.id));
    expect(aboutIt).toHaveLength(1);
    expect(aboutIt[0]).toContain("outbox unavailable");
    await noticeDown.stop();
    // Not moved without its notice: the savepoint rolled the move back.
    const [kept] = await collectionsOfSchedule(staff, schedule.id);
    expect(kept).toMatchObject({ chargeDate: first!.chargeDate, state: "COLLECTION_STATE_PENDING_SUBMISSION" });
    expect(await notificationTypes(first!.id)).not.toContain("collection.postponed");
    // The next run, with the notice working, moves it.
    await server.app.processor.runOnce(clock.set(inputDay));
    const [moved] = await collectionsOfSchedule(staff, schedule.id);
    expect(moved!.chargeDate > first!.chargeDate).toBe(true);
  });

  it("creates no late schedule date its payer cannot be told of, and goes on with the rest of the run", async () => {
    await signIn("2027-11-01");
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "64000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-11-15",
    });
    const [first] = await collectionsOfSchedule(staff, schedule.id);
    // No run until 20 December: 15 December, the second date, has passed uncreated.
    clock.set("2027-12-20");
    const { noticeDown, failedSteps, logged } = processorWithNoticesDown();
    const run = await noticeDown.runOnce(clock.set("2027-12-20"));
    await noticeDown.stop();
    expect(run.failed).toBeGreaterThanOrEqual(1);
    expect(failedSteps).toContain("collection.materialise");
    expect(logged.filter((line) => line.includes(schedule.id))).toHaveLength(1);
    // Nothing of the late date was written, and the steps after it ran: the first collection,
    // late itself, was submitted, confirmed and paid out in the same run.
    const after = await collectionsOfSchedule(staff, schedule.id);
    expect(after.map((c) => [c.id, c.state])).toEqual([[first!.id, "COLLECTION_STATE_PAID_OUT"]]);

    // With the notice working, the next run creates it, a whole notice period on, and tells the payer.
    await server.app.processor.runOnce(clock.set("2027-12-20"));
    const late = (await collectionsOfSchedule(staff, schedule.id)).find((c) => c.id !== first!.id);
    expect(late, "the late date is created").toBeDefined();
    expect(countWorkingDays("2027-12-20", late!.chargeDate)).toBeGreaterThanOrEqual(10);
    const moved = (await emailsTo(server, mandate.payer.email)).filter((e) =>
      e.subject.endsWith("moved to a later date"),
    );
    expect(moved.map((e) => e.text)).toEqual([
      expect.stringContaining(`did not collect the £640.00 payment due on ${longDate("2027-12-15")}.`),
    ]);
  });

  it("cancels instead of postponing onto the schedule's next collection: never two debits in one day", async () => {
    await signIn("2027-10-04");
    const mandate = await createMandate(server, tenant);
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "20000",
      interval_unit: "INTERVAL_UNIT_WEEKLY",
      start_date: "2027-10-04",
    });
    const [first] = await collectionsOfSchedule(staff, schedule.id);
    // Run every day up to the first input day: the next weekly collections are created meanwhile.
    const inputDay = submissionDateFor(first!.chargeDate);
    for (let day = addDays("2027-10-04", 1); day <= inputDay; day = addDays(day, 1))
      await server.app.processor.runOnce(clock.set(day));
    const all = await collectionsOfSchedule(staff, schedule.id);
    const firstNow = all.find((c) => c.id === first!.id)!;
    const pending = all.filter((c) => c.state === "COLLECTION_STATE_PENDING_SUBMISSION").map((c) => c.chargeDate);
    expect(new Set(pending).size).toBe(pending.length);
    // Postponed, the first would land on or after the next week's collection: it is cancelled instead.
    const postponeTo = chargeDateOf(inputDay, "PENDING_CUSTOMER_APPROVAL", inputDay, {
      sentOn: inputDay,
      workingDays: 10,
    });
    expect(pending.some((d) => d <= postponeTo)).toBe(true);
    expect(firstNow).toMatchObject({ state: "COLLECTION_STATE_CANCELLED", chargeDate: first!.chargeDate });
    // The payer was told of that payment: they are told it will not be taken.
    const dropped = (await emailsTo(server, mandate.payer.email)).filter((e) =>
      /will not be collected$/.test(e.subject),
    );
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.text).toContain(
      `the £200.00 payment due on ${longDate(first!.chargeDate)} cannot be collected then. It will not be collected: the next payment takes its place.`,
    );
    const feed = await scopedTo(server, tenant).find(Notification, {
      collectionId: first!.id,
      type: "payer.advance_notice",
    });
    expect(feed.map((n) => n.message)).toContainEqual(
      `Advance notice emailed to the payer: £200.00 due ${first!.chargeDate} will not be collected under mandate ${mandate.id}`,
    );
  });

  it("cancels instead of postponing onto the schedule's next date whose collection is not made yet", async () => {
    // Fortnightly from Monday 22 March 2027, set up on the 8th (10 working days' notice). On the
    // input day, Thursday 18 March, the payer has not completed: 10 working days on, over Easter,
    // is Monday 5 April, the schedule's next date, whose collection is only made on 22 March.
    await signIn("2027-03-08");
    const mandate = await createMandate(server, tenant);
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "20000",
      interval_unit: "INTERVAL_UNIT_WEEKLY",
      interval: 2,
      start_date: "2027-03-22",
    });
    const [first] = await collectionsOfSchedule(staff, schedule.id);
    expect(first!.chargeDate).toBe("2027-03-22");
    await server.app.processor.runOnce(clock.set("2027-03-18"));
    const [after] = await collectionsOfSchedule(staff, schedule.id);
    expect(after).toMatchObject({ id: first!.id, state: "COLLECTION_STATE_CANCELLED", chargeDate: "2027-03-22" });
  });

  it("expires an active mandate with no collection for 13 months, and keeps one that collected", async () => {
    await signIn("2027-08-09");
    const dormant = await mandateIn(server, staff, "ACTIVE");
    const used = await mandateIn(server, staff, "ACTIVE");
    const schedule = await createSchedule(server, staff, {
      mandate_id: used.id,
      amount_minor: "1000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-08-23",
      count: 1,
    });
    // 10 working days' notice from Monday 9 August: charged from Monday 23 August.
    await server.app.processor.runOnce(clock.set("2027-08-19")); // submitted
    await server.app.processor.runOnce(clock.set("2027-08-23")); // charged
    // 13 months after activation on Monday 9 August 2027 is Saturday 9 September 2028.
    const early = await server.app.processor.runOnce(clock.set("2028-09-08"));
    expect((await stateOf(dormant.id)).state).toBe("MANDATE_STATE_ACTIVE");
    expect(early.failed).toBe(0);
    const run = await server.app.processor.runOnce(clock.set("2028-09-11")); // Monday after
    expect(run.expired).toBeGreaterThanOrEqual(1);
    const expired = await stateOf(dormant.id);
    expect(expired.state).toBe("MANDATE_STATE_EXPIRED");
    expect(expired.lastStateChange).toMatchObject({
      previousState: "MANDATE_STATE_ACTIVE",
      cause: "MANDATE_CAUSE_EXPIRY",
    });
    // Charged on 23 August 2027: still in use until 23 September 2028.
    expect((await stateOf(used.id)).state).toBe("MANDATE_STATE_ACTIVE");
    expect((await collectionsOfSchedule(staff, schedule.id)).map((c) => c.state)).toEqual([
      "COLLECTION_STATE_PAID_OUT",
    ]);
    await server.app.processor.runOnce(clock.set("2028-09-22"));
    expect((await stateOf(used.id)).state).toBe("MANDATE_STATE_ACTIVE");
    await server.app.processor.runOnce(clock.set("2028-09-25"));
    expect((await stateOf(used.id)).state).toBe("MANDATE_STATE_EXPIRED");
  });
});

describe("two processors on one database", () => {
  const mandateCount = 200;
  let database: TestDatabase;
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    first = await startTestServer({ database, clock, withoutRedis: true });
    second = await startTestServer({ database, clock, withoutRedis: true });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  /** pendingMandates makes `count` mandates over 4 organisations and has every payer complete it. */
  async function pendingMandates(count: number): Promise<void> {
    clock.set("2027-05-04", "08:00:00");
    const organisations = await Promise.all([0, 1, 2, 3].map(() => newOrganisation(first, true)));
    const emails: string[] = [];
    for (let start = 0; start < count; start += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, count - start) }, async (_, i) => {
          const n = start + i;
          const organisationId = organisations[n % organisations.length]!;
          const em = scopeToOrganisation(first.admin.em.fork(), organisationId);
          const payerEmail = `payer-${n}@example.com`;
          emails.push(payerEmail);
          await first.app.mandates.create(
            em,
            { organisationId, actor: "test" },
            { reference: "", payerName: `Payer ${n}`, payerEmail, metadata: {} },
          );
        }),
      );
    }
    const tokens = new Map((await outbox(first)).map((e) => [e.to, /\/invite\/([A-Za-z0-9_-]{43})/.exec(e.text)![1]!]));
    for (let start = 0; start < count; start += 25) {
      await Promise.all(
        emails.slice(start, start + 25).map((email) =>
          first.app.mandateInvites.complete(first.admin.em.fork(), tokens.get(email)!, {
            accountHolderName: goodBankDetails.account_holder_name,
            sortCode: goodBankDetails.sort_code,
            accountNumber: goodBankDetails.account_number,
            accountHolderConfirmed: true,
          }),
        ),
      );
    }
  }

  /** perMandate counts, for every mandate, the notifications of `type` (raw SQL: across organisations). */
  async function perMandate(type: string): Promise<Map<string, number>> {
    const rows = await first.admin.em
      .fork()
      .getConnection()
      .execute<{ id: string; n: string }[]>(
        `select m."id", count(n."id") as n from "mandate" m left join "notification" n on n."resource_id" = m."id" and n."type" = ? group by m."id"`,
        [type],
      );
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  it("submits and activates each of 200 mandates exactly once", async () => {
    await pendingMandates(mandateCount);
    // Small batches, so the two interleave over many claims instead of one taking everything.
    const processors = [first, second].map(
      (s) =>
        new BacsProcessor({
          orm: s.database.orm,
          clock,
          transitions: s.app.mandateTransitions,
          logger: silentLogger,
          // No payer is told here: these replicas race for rows; what a move tells is tested above.
          onCollectionMoved: async () => undefined,
          batchSize: 5,
          maxBatches: 1000,
        }),
    );

    const submitRuns = await Promise.all(processors.map((p) => p.runOnce(clock.set("2027-05-04"))));
    expect(submitRuns.reduce((sum, r) => sum + r.submitted, 0)).toBe(mandateCount);
    expect(submitRuns.every((r) => r.failed === 0)).toBe(true);
    const submitted = await perMandate("mandate.submitted");
    expect(submitted.size).toBe(mandateCount);
    expect([...submitted.values()].every((n) => n === 1)).toBe(true);

    // Tuesday 4 May + 2 working days = Thursday 6 May.
    const early = await Promise.all(processors.map((p) => p.runOnce(clock.set("2027-05-05"))));
    expect(early.reduce((sum, r) => sum + r.activated, 0)).toBe(0);
    const activateRuns = await Promise.all(processors.map((p) => p.runOnce(clock.set("2027-05-06"))));
    expect(activateRuns.reduce((sum, r) => sum + r.activated, 0)).toBe(mandateCount);
    const activated = await perMandate("mandate.active");
    expect([...activated.values()].every((n) => n === 1)).toBe(true);

    const audits = await first.admin.em
      .fork()
      .getConnection()
      .execute<{ action: string; n: string }[]>(
        `select "action", count(*) as n from "audit_event" where "actor" = 'system:bacs-processor' group by "action"`,
      );
    expect(Object.fromEntries(audits.map((a) => [a.action, Number(a.n)]))).toEqual({
      "mandate.submit": mandateCount,
      "mandate.activate": mandateCount,
    });
  }, 360_000); // 200 mandates through two processors: minutes on a loaded machine

  it("moves each collection of 200 schedules through each state exactly once over a simulated month", async () => {
    // Needs the 200 mandates the test above activated on Thursday 6 May 2027.
    clock.set("2027-05-06", "12:00:00");
    const mandates = await first.admin.em
      .fork()
      .getConnection()
      .execute<{ id: string; organisation_id: string }[]>(
        `select "id", "organisation_id" from "mandate" where "state" = 'ACTIVE'`,
      );
    expect(mandates).toHaveLength(mandateCount);
    for (let start = 0; start < mandates.length; start += 25) {
      await Promise.all(
        mandates.slice(start, start + 25).map((m, i) => {
          const em = scopeToOrganisation(first.admin.em.fork(), m.organisation_id);
          // Two charge days (20 and 21 May), so batches of both interleave; two collections each.
          const startDate = (start + i) % 2 === 0 ? "2027-05-20" : "2027-05-21";
          return first.app.collections.createSchedule(
            em,
            { organisationId: m.organisation_id, actor: "test" },
            {
              mandateId: m.id,
              amountMinor: 5000n,
              currency: "GBP",
              intervalUnit: "MONTHLY",
              interval: 1,
              dayOfMonth: 0,
              startDate,
              endDate: "",
              count: 2,
              description: "Rent",
              metadata: {},
            },
          );
        }),
      );
    }
    const processors = [first, second].map(
      (s) =>
        new BacsProcessor({
          orm: s.database.orm,
          clock,
          transitions: s.app.mandateTransitions,
          logger: silentLogger,
          // No payer is told here: these replicas race for rows; what a move tells is tested above.
          onCollectionMoved: async () => undefined,
          batchSize: 5,
          maxBatches: 1000,
        }),
    );
    const totals = {
      materialised: 0,
      collectionsSubmitted: 0,
      collectionsConfirmed: 0,
      collectionsPaidOut: 0,
      collectionsCancelled: 0,
      failed: 0,
    };
    for (let day = "2027-05-07"; day <= "2027-06-30"; day = addDays(day, 1)) {
      const runs = await Promise.all(processors.map((p) => p.runOnce(clock.set(day))));
      for (const run of runs) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += run[key];
    }
    const collections = 2 * mandateCount;
    expect(totals).toEqual({
      materialised: mandateCount,
      collectionsSubmitted: collections,
      collectionsConfirmed: collections,
      collectionsPaidOut: collections,
      collectionsCancelled: 0,
      failed: 0,
    });
    const rows = await first.admin.em
      .fork()
      .getConnection()
      .execute<
        { id: string; state: string; created: string; submitted: string; confirmed: string; paid_out: string }[]
      >(
        `select c."id", c."state",
           count(*) filter (where n."type" = 'collection.created') as created,
           count(*) filter (where n."type" = 'collection.submitted') as submitted,
           count(*) filter (where n."type" = 'collection.confirmed') as confirmed,
           count(*) filter (where n."type" = 'collection.paid_out') as paid_out
         from "collection" c left join "notification" n on n."resource_id" = c."id" group by c."id", c."state"`,
      );
    expect(rows).toHaveLength(collections);
    for (const row of rows) {
      expect({
        state: row.state,
        created: Number(row.created),
        submitted: Number(row.submitted),
        confirmed: Number(row.confirmed),
        paidOut: Number(row.paid_out),
      }).toEqual({
        state: "PAID_OUT",
        created: 1,
        submitted: 1,
        confirmed: 1,
        paidOut: 1,
      });
    }
  }, 360_000);
});

/** silentLogger keeps the test's own processors quiet unless something breaks. */
const silentLogger = createLogger("error");
