/**
 * Changing, pausing and resuming collection schedules end to end, on a real server, PostgreSQL and
 * Bacs processor, with a test clock moving day by day: a new amount reaches only collections the
 * payer can still be given notice of (those charged earlier keep the amount they were announced
 * with, and the ones not created yet are created at once), a new end date cancels what falls after
 * it or finishes the schedule, a pause cancels what is pending, a resume passes over the dates gone
 * by and gives notice again; every refusal writes nothing. Over REST and a real @grpc/grpc-js client.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionService } from "../gen/dd/v1/collections_pb.js";
import { countWorkingDays, nextWorkingDayOnOrAfter, noticeReached } from "../src/modules/calendar/bacs-calendar.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { addDays, parseIsoDate } from "../src/modules/calendar/plain-date.js";
import { Collection } from "../src/modules/collections/collection.entity.js";
import { CollectionSchedule } from "../src/modules/collections/collection-schedule.entity.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { Mandate } from "../src/modules/mandates/mandate.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { longDate } from "../src/modules/payer-notices/notice-emails.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import {
  type CollectionJson,
  createSchedule,
  type ScheduleJson,
  type Staff,
  sessionRest,
  withAdmin,
} from "./support/collections.js";
import { newSignedInUser } from "./support/fixtures.js";
import {
  emailsTo,
  type MandateJson,
  mandateIn,
  newTenant,
  type RestAnswer,
  reasonOf,
  rest,
  scopedTo,
  type Tenant,
  violationsOf,
} from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();
const today = () => londonDate(clock.now());
const day = 86_400_000;

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => server?.close());

const scoped = (tenant: Tenant) => scopedTo(server, tenant);

/** staffWith is a new organisation giving `notice` working days' notice, with an active mandate. */
async function staffWith(notice: number, noticesBy: "SERVICE" | "ORGANISATION" = "SERVICE") {
  const staff = await withAdmin(server, await newTenant(server));
  const em = server.admin.em.fork();
  const organisation = await em.findOneOrFail(Organisation, staff.organisationId);
  organisation.advanceNoticeWorkingDays = notice;
  organisation.payerNoticesBy = noticesBy;
  await em.flush();
  const mandate = await mandateIn(server, staff, "ACTIVE");
  return { staff, mandate };
}

function weekly(mandateId: string, extra: Record<string, unknown> = {}) {
  return {
    mandate_id: mandateId,
    amount_minor: "10000",
    interval_unit: "INTERVAL_UNIT_WEEKLY",
    start_date: today(),
    description: "Rent, Flat 2",
    ...extra,
  };
}

/**
 * passDays moves the clock a day at a time, running the Bacs processor (materialiseDue included)
 * each day; then the staff sign in again, as the days outlive their session.
 */
async function passDays(n: number, staff: Staff): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.advance(day);
    await server.app.processor.runOnce();
  }
  staff.cookie = (await newSignedInUser(server, staff.organisationId, "admin")).cookie;
}

/** boundaryOf is the first day a notice sent on `sentOn` lets a collection be charged. */
const boundaryOf = (sentOn: string, workingDays: number) =>
  nextWorkingDayOnOrAfter(noticeReached({ sentOn, workingDays }));

async function collectionsOf(staff: Staff, scheduleId: string): Promise<CollectionJson[]> {
  const answer = await rest(server, "GET", `/v1/collections?schedule_id=${scheduleId}&page_size=500`, staff.secret);
  expect(answer.status).toBe(200);
  return ((answer.body.collections ?? []) as CollectionJson[]).sort((a, b) => a.chargeDate.localeCompare(b.chargeDate));
}

const live = (c: CollectionJson) => c.state !== "COLLECTION_STATE_CANCELLED";
const pending = (c: CollectionJson) => c.state === "COLLECTION_STATE_PENDING_SUBMISSION";

function change(staff: Staff, id: string, mask: string, body: Record<string, unknown>, cookie = staff.cookie) {
  const query = mask === "" ? "" : `?update_mask=${mask}`;
  return sessionRest(server, "PATCH", `/v1/collectionSchedules/${id}${query}`, cookie, body);
}

function act(staff: Staff, id: string, verb: "pause" | "resume" | "cancel", body: Record<string, unknown> = {}) {
  return sessionRest(server, "POST", `/v1/collectionSchedules/${id}:${verb}`, staff.cookie, body);
}

function expectOk(answer: RestAnswer): ScheduleJson {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as ScheduleJson;
}

const payerEmails = (mandate: MandateJson) => emailsTo(server, mandate.payer.email);

/** written counts what a tenant has in the tables a schedule write touches, and the payer's emails. */
async function written(staff: Staff, mandate: MandateJson) {
  const em = scoped(staff);
  const schedules = await em.find(CollectionSchedule, {}, { orderBy: { id: "asc" } });
  const collections = await em.find(Collection, {}, { orderBy: { id: "asc" } });
  return {
    schedules: schedules.map((s) => [s.id, s.state, s.amountMinor, s.endDate, s.noticeDate, s.updateTime.getTime()]),
    collections: collections.map((c) => [c.id, c.state, c.amountMinor, c.chargeDate]),
    notifications: await em.count(Notification, {}),
    audit: await em.count(AuditEvent, { action: { $like: "collection%" } }),
    emails: (await payerEmails(mandate)).length,
  };
}

/** noDayTwice: the schedule never charges the payer twice on one day. */
function expectDistinctDays(collections: CollectionJson[]) {
  const days = collections.filter(live).map((c) => c.chargeDate);
  expect(new Set(days).size, days.join(", ")).toBe(days.length);
}

describe("UpdateCollectionSchedule: amount_minor", () => {
  it("weekly, 20 working days' notice: dates charged before the notice can reach them are created at the old amount; later ones take the new", async () => {
    const notice = 20;
    const { staff, mandate } = await staffWith(notice);
    const schedule = await createSchedule(server, staff, weekly(mandate.id));
    await passDays(7, staff);
    const before = await collectionsOf(staff, schedule.id);
    const changedOn = today();
    const boundary = boundaryOf(changedOn, notice);

    const changed = expectOk(await change(staff, schedule.id, "amount_minor", { amount_minor: "12500" }));
    expect(changed).toMatchObject({ amountMinor: "12500", state: "COLLECTION_SCHEDULE_STATE_ACTIVE" });
    const after = await collectionsOf(staff, schedule.id);
    // Every weekly date charged before the boundary now exists, at the amount the payer was told.
    const made = after.filter((c) => !before.some((b) => b.id === c.id));
    expect(made.length).toBeGreaterThan(0);
    expect(after.every((c) => c.amountMinor === "10000" && c.chargeDate < boundary)).toBe(true);
    // The next charge date is the first at the new amount: on or after the boundary.
    expect(changed.nextChargeDate! >= boundary || after.some(pending)).toBe(true);
    expectDistinctDays(after);

    const email = (await payerEmails(mandate)).find((e) => e.subject.startsWith("Change to your Direct Debit"));
    expect(email?.text).toContain("£125.00");
    expect(email?.text).toContain("instead of £100.00");
    expect(email?.html).toContain("First payment at the new amount");
    const firstNew = /First payment at the new amount: (.+)/.exec(email!.text)![1];

    await passDays(40, staff);
    const later = await collectionsOf(staff, schedule.id);
    const atNew = later.filter((c) => c.amountMinor === "12500");
    expect(atNew.length).toBeGreaterThanOrEqual(2);
    for (const c of later) {
      // The invariant: no collection is charged an amount the payer was not told the notice period before.
      if (c.amountMinor === "12500") expect(countWorkingDays(changedOn, c.chargeDate)).toBeGreaterThanOrEqual(notice);
      else expect(c.chargeDate < boundary).toBe(true);
    }
    expect(longDate(atNew[0]!.chargeDate)).toBe(firstNew);
    expectDistinctDays(later);
    const feed = await scoped(staff).find(Notification, { resourceId: schedule.id }, { orderBy: { id: "asc" } });
    expect(feed.map((n) => n.type)).toEqual(
      expect.arrayContaining(["collection_schedule.updated", "payer.advance_notice"]),
    );
    expect(await scoped(staff).count(AuditEvent, { action: "collection_schedule.update", target: schedule.id })).toBe(
      1,
    );
  });

  it("monthly, 20 working days' notice: next month's date, not yet created, is created at the old amount", async () => {
    const notice = 20;
    const { staff, mandate } = await staffWith(notice);
    // Pick the day of the month so that, 35 days on, the schedule's next date is 20 days away:
    // past the 14 days ahead collections are created, and before the notice boundary.
    const target = addDays(today(), 55);
    const dayOfMonth = Math.min(parseIsoDate(target).day, 28);
    const schedule = await createSchedule(
      server,
      staff,
      weekly(mandate.id, { interval_unit: "INTERVAL_UNIT_MONTHLY", day_of_month: dayOfMonth }),
    );
    await passDays(35, staff);
    const changedOn = today();
    const boundary = boundaryOf(changedOn, notice);
    const before = await collectionsOf(staff, schedule.id);
    expect(before).toHaveLength(1);

    expectOk(await change(staff, schedule.id, "amount_minor", { amount_minor: "11000" }));
    const after = await collectionsOf(staff, schedule.id);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ amountMinor: "10000", state: "COLLECTION_STATE_PENDING_SUBMISSION" });
    expect(after[1]!.chargeDate < boundary).toBe(true);

    await passDays(70, staff);
    const later = await collectionsOf(staff, schedule.id);
    const atNew = later.filter((c) => c.amountMinor === "11000");
    expect(atNew.length).toBeGreaterThanOrEqual(2);
    for (const c of atNew) expect(countWorkingDays(changedOn, c.chargeDate)).toBeGreaterThanOrEqual(notice);
    expect(later.filter((c) => c.amountMinor === "10000")).toHaveLength(2);
    expectDistinctDays(later);
  });

  it("answers the next charge date its notice names, right after the notice period changed", async () => {
    const { staff, mandate } = await staffWith(20);
    // As above: 35 days on, the next date is about 20 days away and not created yet.
    const dayOfMonth = Math.min(parseIsoDate(addDays(today(), 55)).day, 28);
    const schedule = await createSchedule(
      server,
      staff,
      weekly(mandate.id, { interval_unit: "INTERVAL_UNIT_MONTHLY", day_of_month: dayOfMonth }),
    );
    await passDays(35, staff);
    // A read leaves 20 working days in the service's cache of the organisation's settings.
    expect((await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, staff.secret)).status).toBe(200);
    const em = server.admin.em.fork();
    const organisation = await em.findOneOrFail(Organisation, staff.organisationId);
    organisation.advanceNoticeWorkingDays = 3;
    await em.flush();

    const changed = expectOk(await change(staff, schedule.id, "amount_minor", { amount_minor: "11000" }));
    expect(await collectionsOf(staff, schedule.id)).toHaveLength(1);
    const email = (await payerEmails(mandate)).reverse().find((e) => e.subject.startsWith("Change to your"));
    expect(email?.text).toContain(longDate(changed.nextChargeDate!));
    expect(countWorkingDays(today(), changed.nextChargeDate!)).toBeLessThan(20);
  });

  it("weekly, 3 working days' notice: pending collections from the boundary on take the new amount; submitted ones keep theirs", async () => {
    const notice = 3;
    const { staff, mandate } = await staffWith(notice);
    const schedule = await createSchedule(server, staff, weekly(mandate.id));
    await passDays(10, staff);
    const changedOn = today();
    const boundary = boundaryOf(changedOn, notice);
    const before = await collectionsOf(staff, schedule.id);
    expect(before.some((c) => pending(c) && c.chargeDate >= boundary)).toBe(true);
    // And some went to Bacs already (submitted, or confirmed once their charge date passed).
    expect(
      before.some((c) => !pending(c) && live(c)),
      JSON.stringify(before),
    ).toBe(true);

    expectOk(await change(staff, schedule.id, "amount_minor", { amount_minor: "9000" }));
    const after = await collectionsOf(staff, schedule.id);
    expect(after.map((c) => c.id)).toEqual(before.map((c) => c.id));
    for (const c of after) {
      const expected = pending(c) && c.chargeDate >= boundary ? "9000" : "10000";
      expect(c.amountMinor, `${c.chargeDate} ${c.state}`).toBe(expected);
    }
    const firstNew = after.find((c) => c.amountMinor === "9000")!;
    expect(countWorkingDays(changedOn, firstNew.chargeDate)).toBeGreaterThanOrEqual(notice);
    const email = (await payerEmails(mandate)).find((e) => e.subject.startsWith("Change to your Direct Debit"));
    expect(email?.text).toContain(`First payment at the new amount: ${longDate(firstNew.chargeDate)}`);
    const feed = await scoped(staff).find(Notification, { collectionId: firstNew.id, type: "collection.updated" });
    expect(feed).toHaveLength(1);
  });

  it("over @grpc/grpc-js with the session cookie, and with an organisation that sends its own notices: the feed only", async () => {
    const { staff, mandate } = await staffWith(10, "ORGANISATION");
    const schedule = await createSchedule(server, staff, weekly(mandate.id, { start_date: addDays(today(), 30) }));
    const emailsBefore = (await payerEmails(mandate)).length;
    const client = grpcJsClient(server.port);
    try {
      const got = await grpcJsUnary(
        client,
        CollectionService.method.updateCollectionSchedule,
        { schedule: { id: schedule.id, amountMinor: 20_000n }, updateMask: { paths: ["amount_minor"] } },
        { cookie: staff.cookie },
      );
      expect(got.code, got.details).toBe(grpc.status.OK);
      expect(got.message?.amountMinor).toBe(20_000n);
      // The first collection, a month away, is well past the boundary: it takes the new amount.
      const [first] = await collectionsOf(staff, schedule.id);
      expect(first!.amountMinor).toBe("20000");
      expect(got.message?.nextChargeDate).toBe(first!.chargeDate);

      const noMask = await grpcJsUnary(
        client,
        CollectionService.method.updateCollectionSchedule,
        { schedule: { id: schedule.id, amountMinor: 30_000n } },
        { cookie: staff.cookie },
      );
      expect(noMask.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(noMask.details).toContain("update_mask");
    } finally {
      client.close();
    }
    expect((await payerEmails(mandate)).length).toBe(emailsBefore);
    const told = await scoped(staff).find(Notification, { resourceId: schedule.id, type: "payer.advance_notice" });
    expect(told.map((n) => n.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Send the payer advance notice today: schedule .* changed: £100\.00 → £200\.00 from /),
      ]),
    );
  });
});

describe("UpdateCollectionSchedule: end_date", () => {
  it("shortened to today: cancels the pending collections and finishes the schedule", async () => {
    const { staff, mandate } = await staffWith(3);
    const schedule = await createSchedule(server, staff, weekly(mandate.id));
    await passDays(10, staff);
    const before = await collectionsOf(staff, schedule.id);
    expect(before.some(pending)).toBe(true);
    const changed = expectOk(await change(staff, schedule.id, "end_date", { end_date: today() }));
    expect(changed).toMatchObject({ state: "COLLECTION_SCHEDULE_STATE_FINISHED", endDate: today() });
    expect(changed.nextChargeDate ?? "").toBe("");
    const after = await collectionsOf(staff, schedule.id);
    for (const c of after) {
      const was = before.find((b) => b.id === c.id)!;
      expect(c.state).toBe(pending(was) ? "COLLECTION_STATE_CANCELLED" : was.state);
    }
    const types = (await scoped(staff).find(Notification, { resourceId: schedule.id })).map((n) => n.type);
    expect(types).toEqual(expect.arrayContaining(["collection_schedule.updated", "collection_schedule.finished"]));
    const email = (await payerEmails(mandate)).find((e) => e.subject.startsWith("Change to your Direct Debit"));
    expect(email?.text).toContain("No further payments will be taken");
    await passDays(14, staff);
    expect((await collectionsOf(staff, schedule.id)).filter(live).length).toBe(after.filter(live).length);
  });

  it("shortened to a later date: nothing is charged after it, and the schedule finishes when it passes", async () => {
    const { staff, mandate } = await staffWith(3);
    const schedule = await createSchedule(server, staff, weekly(mandate.id));
    await passDays(3, staff);
    const end = addDays(today(), 20);
    expectOk(await change(staff, schedule.id, "end_date", { end_date: end }));
    await passDays(40, staff);
    const after = await collectionsOf(staff, schedule.id);
    expect(after.filter(live).every((c) => c.chargeDate <= end)).toBe(true);
    expect(after.filter(live).length).toBeGreaterThanOrEqual(3);
    const got = await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, staff.secret);
    expect(got.body).toMatchObject({ state: "COLLECTION_SCHEDULE_STATE_FINISHED", endDate: end });
  });

  it("extended, or removed: the schedule goes on past its old end date", async () => {
    const { staff, mandate } = await staffWith(3);
    const oldEnd = addDays(today(), 14);
    const schedule = await createSchedule(server, staff, weekly(mandate.id, { end_date: oldEnd }));
    const newEnd = addDays(today(), 42);
    const changed = expectOk(await change(staff, schedule.id, "end_date", { end_date: newEnd }));
    expect(changed).toMatchObject({ endDate: newEnd, state: "COLLECTION_SCHEDULE_STATE_ACTIVE" });
    const email = (await payerEmails(mandate)).find((e) => e.subject.startsWith("Change to your Direct Debit"));
    expect(email?.text).toContain(`The last payment will be taken no later than ${longDate(newEnd)}`);
    await passDays(50, staff);
    const all = (await collectionsOf(staff, schedule.id)).filter(live);
    expect(all.some((c) => c.chargeDate > oldEnd)).toBe(true);
    expect(all.every((c) => c.chargeDate <= newEnd)).toBe(true);
    expectDistinctDays(all);

    const open = await createSchedule(
      server,
      staff,
      weekly(mandate.id, { end_date: addDays(today(), 7), amount_minor: "500" }),
    );
    const removed = expectOk(await change(staff, open.id, "end_date", { end_date: "" }));
    expect(removed.endDate ?? "").toBe("");
    await passDays(21, staff);
    expect((await rest(server, "GET", `/v1/collectionSchedules/${open.id}`, staff.secret)).body.state).toBe(
      "COLLECTION_SCHEDULE_STATE_ACTIVE",
    );
  });
});

describe("PauseCollectionSchedule and ResumeCollectionSchedule", () => {
  it("pause cancels pending collections, creates none while paused; resume passes over the dates gone by and gives notice", async () => {
    const notice = 5;
    const { staff, mandate } = await staffWith(notice);
    const schedule = await createSchedule(server, staff, weekly(mandate.id, { count: 8 }));
    await passDays(10, staff);
    const before = await collectionsOf(staff, schedule.id);
    expect(before.some(pending)).toBe(true);

    const paused = expectOk(await act(staff, schedule.id, "pause", { reason: "Tenant away" }));
    expect(paused.state).toBe("COLLECTION_SCHEDULE_STATE_PAUSED");
    expect(paused.nextChargeDate ?? "").toBe("");
    const afterPause = await collectionsOf(staff, schedule.id);
    for (const c of afterPause) {
      const was = before.find((b) => b.id === c.id)!;
      expect(c.state).toBe(pending(was) ? "COLLECTION_STATE_CANCELLED" : was.state);
    }
    const cancelled = await scoped(staff).findOneOrFail(Notification, {
      type: "collection.cancelled",
      collectionId: afterPause.find((c) => c.state === "COLLECTION_STATE_CANCELLED")!.id,
    });
    expect(cancelled.message).toContain("paused: Tenant away");
    // The cancelled dates are given back: they do not count toward count.
    const kept = afterPause.filter((c) => c.state !== "COLLECTION_STATE_CANCELLED");
    expect(paused.createdCollectionCount).toBe(kept.length);
    const listed = await rest(
      server,
      "GET",
      "/v1/collectionSchedules?state=COLLECTION_SCHEDULE_STATE_PAUSED",
      staff.secret,
    );
    expect(listed.body.collectionSchedules.map((s: ScheduleJson) => s.id)).toEqual([schedule.id]);

    await passDays(21, staff);
    expect(await collectionsOf(staff, schedule.id)).toHaveLength(afterPause.length);

    const resumedOn = today();
    const resumed = expectOk(await act(staff, schedule.id, "resume"));
    expect(resumed.state).toBe("COLLECTION_SCHEDULE_STATE_ACTIVE");
    const boundary = boundaryOf(resumedOn, notice);
    const fresh = (await collectionsOf(staff, schedule.id)).filter((c) => !afterPause.some((p) => p.id === c.id));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.every((c) => c.chargeDate >= boundary)).toBe(true);
    expect(resumed.nextChargeDate).toBe(fresh[0]!.chargeDate);
    const email = (await payerEmails(mandate)).reverse().find((e) => e.subject.startsWith("Advance notice: £100.00"));
    expect(email?.text).toContain(`the first payment on ${longDate(fresh[0]!.chargeDate)}`);
    const types = (await scoped(staff).find(Notification, { resourceId: schedule.id })).map((n) => n.type);
    expect(types).toEqual(expect.arrayContaining(["collection_schedule.paused", "collection_schedule.resumed"]));
    const stored = await scoped(staff).findOneOrFail(CollectionSchedule, schedule.id);
    // The dates that passed while paused are skipped, so they do not use up count.
    expect(stored.skippedDateCount).toBeGreaterThanOrEqual(1);

    await passDays(70, staff);
    const done = await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, staff.secret);
    expect(done.body).toMatchObject({ state: "COLLECTION_SCHEDULE_STATE_FINISHED", createdCollectionCount: 8 });
    const all = await collectionsOf(staff, schedule.id);
    expectDistinctDays(all);
    expect(all.filter((c) => c.state !== "COLLECTION_STATE_CANCELLED")).toHaveLength(8);
    for (const c of all.filter((c) => !afterPause.some((p) => p.id === c.id)))
      expect(countWorkingDays(resumedOn, c.chargeDate)).toBeGreaterThanOrEqual(notice);
    for (const action of ["collection_schedule.pause", "collection_schedule.resume"])
      expect(await scoped(staff).count(AuditEvent, { action, target: schedule.id })).toBe(1);
  });

  it("resume after an end date passed while paused finishes the schedule, collecting nothing", async () => {
    const { staff, mandate } = await staffWith(3);
    const schedule = await createSchedule(server, staff, weekly(mandate.id, { end_date: addDays(today(), 10) }));
    expectOk(await act(staff, schedule.id, "pause"));
    await passDays(14, staff);
    const resumed = expectOk(await act(staff, schedule.id, "resume"));
    expect(resumed.state).toBe("COLLECTION_SCHEDULE_STATE_FINISHED");
    expect((await collectionsOf(staff, schedule.id)).filter(live)).toEqual([]);
  });

  it("a paused schedule can be cancelled, and is cancelled with its mandate", async () => {
    const { staff, mandate } = await staffWith(10);
    const one = await createSchedule(server, staff, weekly(mandate.id));
    const two = await createSchedule(server, staff, weekly(mandate.id, { start_date: addDays(today(), 3) }));
    expectOk(await act(staff, one.id, "pause"));
    expectOk(await act(staff, two.id, "pause"));
    expect(expectOk(await act(staff, one.id, "cancel", { reason: "moved out" })).state).toBe(
      "COLLECTION_SCHEDULE_STATE_CANCELLED",
    );
    expect((await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, staff.secret, {})).status).toBe(200);
    const got = await rest(server, "GET", `/v1/collectionSchedules/${two.id}`, staff.secret);
    expect(got.body.state).toBe("COLLECTION_SCHEDULE_STATE_CANCELLED");
  });
});

describe("refusals write nothing", () => {
  it("changes nothing, and tells the payer nothing, when the terms asked for are the terms in force", async () => {
    const { staff, mandate } = await staffWith(10);
    const schedule = await createSchedule(server, staff, weekly(mandate.id, { end_date: addDays(today(), 60) }));
    await passDays(3, staff);
    const before = await written(staff, mandate);
    const same = expectOk(
      await change(staff, schedule.id, "amount_minor,end_date", {
        amount_minor: schedule.amountMinor,
        end_date: schedule.endDate,
      }),
    );
    expect(same).toMatchObject({ amountMinor: schedule.amountMinor, endDate: schedule.endDate });
    expect(await written(staff, mandate)).toEqual(before);
  });

  it("answers INVALID_ARGUMENT naming the field", async () => {
    const { staff, mandate } = await staffWith(10);
    const schedule = await createSchedule(server, staff, weekly(mandate.id, { start_date: addDays(today(), 20) }));
    const counted = await createSchedule(
      server,
      staff,
      weekly(mandate.id, { count: 3, start_date: addDays(today(), 40) }),
    );
    const before = await written(staff, mandate);
    const cases: [string, string, Record<string, unknown>, string][] = [
      [schedule.id, "", { amount_minor: "100" }, "update_mask"],
      [schedule.id, "description", { description: "x" }, "update_mask"],
      [schedule.id, "amount_minor,start_date", { amount_minor: "100" }, "update_mask"],
      [schedule.id, "amount_minor", { amount_minor: "0" }, "schedule.amount_minor"],
      [schedule.id, "amount_minor", { amount_minor: "100000001" }, "schedule.amount_minor"],
      [schedule.id, "end_date", { end_date: "2027-02-30" }, "schedule.end_date"],
      [schedule.id, "end_date", { end_date: addDays(today(), -1) }, "schedule.end_date"],
      [schedule.id, "end_date", { end_date: addDays(today(), 10) }, "schedule.end_date"],
      [counted.id, "end_date", { end_date: addDays(today(), 90) }, "schedule.end_date"],
    ];
    for (const [id, mask, body, field] of cases) {
      const answer = await change(staff, id, mask, body);
      expect(answer.status, `${mask} ${JSON.stringify(body)}`).toBe(400);
      expect(violationsOf(answer), `${mask} ${JSON.stringify(body)}`).toContain(field);
    }
    const pause = await act(staff, schedule.id, "pause", { reason: "x".repeat(501) });
    expect(violationsOf(pause)).toContain("reason");
    expect(await written(staff, mandate)).toEqual(before);
  });

  it("answers FAILED_PRECONDITION for a schedule in the wrong state, NOT_FOUND for another organisation's", async () => {
    const { staff, mandate } = await staffWith(10);
    const active = await createSchedule(server, staff, weekly(mandate.id));
    const cancelled = await createSchedule(server, staff, weekly(mandate.id, { start_date: addDays(today(), 3) }));
    expectOk(await act(staff, cancelled.id, "cancel"));
    const stranger = await staffWith(10);
    const theirs = await createSchedule(server, stranger.staff, weekly(stranger.mandate.id));
    const before = await written(staff, mandate);
    const theirsBefore = await written(stranger.staff, stranger.mandate);

    const refusals: [RestAnswer, string][] = [
      [await change(staff, cancelled.id, "amount_minor", { amount_minor: "5" }), "COLLECTION_SCHEDULE_NOT_ACTIVE"],
      [await act(staff, cancelled.id, "pause"), "COLLECTION_SCHEDULE_NOT_ACTIVE"],
      [await act(staff, active.id, "resume"), "COLLECTION_SCHEDULE_NOT_PAUSED"],
    ];
    for (const [answer, reason] of refusals) {
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("failed_precondition");
      expect(reasonOf(answer)).toBe(reason);
    }
    for (const answer of [
      await change(staff, theirs.id, "amount_minor", { amount_minor: "5" }),
      await act(staff, theirs.id, "pause"),
      await act(staff, theirs.id, "resume"),
      await change(staff, "CS00000000000000000000000000", "amount_minor", { amount_minor: "5" }),
    ])
      expect(answer.status).toBe(404);
    expect(await written(staff, mandate)).toEqual(before);
    expect(await written(stranger.staff, stranger.mandate)).toEqual(theirsBefore);
  });

  it("refuses to resume under a mandate that can collect no more", async () => {
    const { staff, mandate } = await staffWith(10);
    const schedule = await createSchedule(server, staff, weekly(mandate.id));
    expectOk(await act(staff, schedule.id, "pause"));
    // The mandate hook cancels paused schedules; a mandate closed by other means must not revive one.
    const em = scoped(staff);
    const stored = await em.findOneOrFail(Mandate, mandate.id);
    stored.state = "EXPIRED";
    await em.flush();
    const before = await written(staff, mandate);
    const answer = await act(staff, schedule.id, "resume");
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe("MANDATE_NOT_ACTIVE");
    expect(await written(staff, mandate)).toEqual(before);
  });

  it("keeps the writes for signed-in admins and members: an API key gets PERMISSION_DENIED, a viewer too", async () => {
    const { staff, mandate } = await staffWith(10);
    const schedule = await createSchedule(server, staff, weekly(mandate.id));
    const viewer = await newSignedInUser(server, staff.organisationId, "viewer");
    const member = await newSignedInUser(server, staff.organisationId, "member");
    const before = await written(staff, mandate);
    const calls = [
      ["PATCH", `/v1/collectionSchedules/${schedule.id}?update_mask=amount_minor`, { amount_minor: "5" }],
      ["POST", `/v1/collectionSchedules/${schedule.id}:pause`, {}],
      ["POST", `/v1/collectionSchedules/${schedule.id}:resume`, {}],
    ] as const;
    for (const [method, path, body] of calls) {
      const byKey = await rest(server, method, path, staff.secret, body);
      expect(byKey.status, path).toBe(403);
      expect(byKey.body.code).toBe("permission_denied");
      const byViewer = await sessionRest(server, method, path, viewer.cookie, body);
      expect(byViewer.status, path).toBe(403);
    }
    expect(await written(staff, mandate)).toEqual(before);
    expectOk(await change(staff, schedule.id, "amount_minor", { amount_minor: "5" }, member.cookie));
  });
});
