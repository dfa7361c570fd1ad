/**
 * Collections end to end on a real server and real PostgreSQL: staff create monthly and weekly
 * schedules in a session (the first collection is created at once, on a Bacs working day no
 * earlier than the rules allow), bad input on every field (nothing written), who may write, reads
 * with filters and page tokens over REST and a real @grpc/grpc-js client, tenancy, cancelling a
 * schedule or its mandate, and materialiseDue over simulated months with a test clock.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionService, CollectionState } from "../gen/dd/v1/collections_pb.js";
import {
  addWorkingDays,
  chargeDateFor,
  countWorkingDays,
  earliestChargeDate,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  noticeReached,
} from "../src/modules/calendar/bacs-calendar.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { addDays, dayOfWeek, maxDate } from "../src/modules/calendar/plain-date.js";
import { Collection } from "../src/modules/collections/collection.entity.js";
import { CollectionSchedule } from "../src/modules/collections/collection-schedule.entity.js";
import { monthlyDates } from "../src/modules/collections/schedule-dates.js";
import { MATERIALISE_LEAD_DAYS } from "../src/modules/collections/schedule-plan.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
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
  external,
  mandateIn,
  newTenant,
  outbox,
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

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => server?.close());

const scoped = (tenant: Tenant) => scopedTo(server, tenant);

async function staffWithActiveMandate() {
  const staff = await withAdmin(server, await newTenant(server));
  const mandate = await mandateIn(server, staff, "ACTIVE");
  return { staff, mandate };
}

function monthly(mandateId: string, extra: Record<string, unknown> = {}) {
  return {
    mandate_id: mandateId,
    amount_minor: "125000",
    interval_unit: "INTERVAL_UNIT_MONTHLY",
    start_date: today(),
    description: "Rent, Flat 2",
    ...extra,
  };
}

async function collectionsOf(staff: Staff, query: string): Promise<CollectionJson[]> {
  const answer = await rest(server, "GET", `/v1/collections?${query}`, staff.secret);
  expect(answer.status).toBe(200);
  return (answer.body.collections ?? []) as CollectionJson[];
}

/** written counts what a tenant has in the tables a schedule write touches. */
async function written(tenant: Tenant) {
  const em = scoped(tenant);
  return {
    schedules: await em.count(CollectionSchedule, {}),
    collections: await em.count(Collection, {}),
    notifications: await em.count(Notification, { resourceType: { $like: "collection%" } }),
    audit: await em.count(AuditEvent, { action: { $like: "collection%" } }),
  };
}

describe("CreateCollectionSchedule", () => {
  it("creates a monthly schedule as an admin and at once its first collection, on a working day no earlier than Bacs allows", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const schedule = await createSchedule(server, staff, monthly(mandate.id, { metadata: { tenancy: "T-1" } }));
    expect(schedule.id).toMatch(/^CS[0-9A-Z]{26}$/);
    expect(schedule).toMatchObject({
      mandateId: mandate.id,
      amountMinor: "125000",
      currency: "GBP",
      intervalUnit: "INTERVAL_UNIT_MONTHLY",
      interval: 1,
      startDate: today(),
      state: "COLLECTION_SCHEDULE_STATE_ACTIVE",
      createdCollectionCount: 1,
      metadata: { tenancy: "T-1" },
    });
    // day_of_month 0 means the day of start_date, when that is 1–28.
    const day = Number(today().slice(8));
    if (day <= 28) expect(schedule.dayOfMonth).toBe(day);

    const [first, ...more] = await collectionsOf(staff, `schedule_id=${schedule.id}`);
    expect(more).toEqual([]);
    expect(first!.id).toMatch(/^CL[0-9A-Z]{26}$/);
    expect(first).toMatchObject({
      mandateId: mandate.id,
      scheduleId: schedule.id,
      amountMinor: "125000",
      currency: "GBP",
      state: "COLLECTION_STATE_PENDING_SUBMISSION",
      description: "Rent, Flat 2",
    });
    expect(isWorkingDay(first!.chargeDate)).toBe(true);
    expect(first!.chargeDate >= earliestChargeDate(today())).toBe(true);
    expect(schedule.nextChargeDate).toBe(first!.chargeDate);

    const feed = await scoped(staff).find(Notification, { resourceId: { $in: [schedule.id, first!.id] } });
    expect(feed.map((n) => n.type).sort()).toEqual([
      "collection.created",
      "collection_schedule.created",
      "payer.advance_notice",
    ]);
    // The payer is emailed the advance notice today, 10 working days at least before the first charge.
    expect(countWorkingDays(today(), first!.chargeDate)).toBeGreaterThanOrEqual(10);
    const notice = (await outbox(server)).find(
      (e) => e.to === mandate.payer.email && e.subject.startsWith("Advance notice: £1250.00 Direct Debit to "),
    );
    expect(notice?.text).toContain(`£1250.00 monthly on day`);
    expect(notice?.text).toContain(`Reference: ${mandate.reference}`);
    expect(await scoped(staff).count(AuditEvent, { action: "collection_schedule.create", target: schedule.id })).toBe(
      1,
    );
  });

  it("creates a weekly schedule as a member, charged on start_date's weekday moved to a working day", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const member = await newSignedInUser(server, staff.organisationId, "member");
    const start = addDays(today(), 30);
    const answer = await sessionRest(server, "POST", "/v1/collectionSchedules", member.cookie, {
      mandate_id: mandate.id,
      amount_minor: 30000,
      interval_unit: "INTERVAL_UNIT_WEEKLY",
      start_date: start,
      count: 3,
    });
    expect(answer.status).toBe(200);
    const schedule = answer.body as ScheduleJson;
    expect(schedule).toMatchObject({ intervalUnit: "INTERVAL_UNIT_WEEKLY", count: 3, createdCollectionCount: 1 });
    expect(schedule.dayOfMonth ?? 0).toBe(0);
    const [first] = await collectionsOf(staff, `schedule_id=${schedule.id}`);
    expect(first!.chargeDate).toBe(nextWorkingDayOnOrAfter(start));
    expect(dayOfWeek(first!.chargeDate) === dayOfWeek(start) || !isWorkingDay(start)).toBe(true);
  });

  it("takes a mandate still being set up, charging no earlier than its set-up allows", async () => {
    const staff = await withAdmin(server, await newTenant(server));
    for (const state of ["PENDING_SUBMISSION", "SUBMITTED"] as const) {
      const mandate = await mandateIn(server, staff, state);
      const schedule = await createSchedule(server, staff, monthly(mandate.id));
      const [first] = await collectionsOf(staff, `schedule_id=${schedule.id}`);
      const ready = addWorkingDays(today(), state === "SUBMITTED" ? 2 : 3);
      expect(first!.chargeDate >= chargeDateFor(schedule.startDate, ready)).toBe(true);
      expect(isWorkingDay(first!.chargeDate)).toBe(true);
    }
  });

  it.each(["CANCELLED", "FAILED", "EXPIRED"] as const)(
    "refuses a %s mandate with FAILED_PRECONDITION MANDATE_NOT_ACTIVE",
    async (state) => {
      const staff = await withAdmin(server, await newTenant(server));
      const mandate = await mandateIn(server, staff, state);
      const answer = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, monthly(mandate.id));
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("failed_precondition");
      expect(reasonOf(answer)).toBe("MANDATE_NOT_ACTIVE");
      expect((await written(staff)).schedules).toBe(0);
    },
  );

  it("answers INVALID_ARGUMENT naming each invalid field, and writes nothing", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const before = await written(staff);
    const cases: [Record<string, unknown>, string][] = [
      [{ mandate_id: "" }, "schedule.mandate_id"],
      [{ amount_minor: 0 }, "schedule.amount_minor"],
      [{ amount_minor: -5 }, "schedule.amount_minor"],
      [{ amount_minor: "100000001" }, "schedule.amount_minor"],
      [{ currency: "EUR" }, "schedule.currency"],
      [{ interval_unit: "INTERVAL_UNIT_UNSPECIFIED" }, "schedule.interval_unit"],
      [{ interval: 13 }, "schedule.interval"],
      [{ interval: -1 }, "schedule.interval"],
      [{ day_of_month: 29 }, "schedule.day_of_month"],
      [{ day_of_month: -2 }, "schedule.day_of_month"],
      [{ interval_unit: "INTERVAL_UNIT_WEEKLY", day_of_month: 3 }, "schedule.day_of_month"],
      [{ start_date: "" }, "schedule.start_date"],
      [{ start_date: "2026-02-30" }, "schedule.start_date"],
      [{ start_date: addDays(today(), -1) }, "schedule.start_date"],
      [{ end_date: "tomorrow" }, "schedule.end_date"],
      [{ start_date: addDays(today(), 40), end_date: addDays(today(), 39) }, "schedule.end_date"],
      [{ count: -1 }, "schedule.count"],
      [{ count: 1001 }, "schedule.count"],
      [{ count: 2, end_date: addDays(today(), 400) }, "schedule.count"],
      [{ description: "x".repeat(101) }, "schedule.description"],
      [{ description: "line\nbreak" }, "schedule.description"],
      [{ metadata: { ["k".repeat(41)]: "v" } }, "schedule.metadata"],
      [{ metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) }, "schedule.metadata"],
    ];
    for (const [fields, field] of cases) {
      const answer = await sessionRest(
        server,
        "POST",
        "/v1/collectionSchedules",
        staff.cookie,
        monthly(mandate.id, fields),
      );
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.body.code).toBe("invalid_argument");
      expect(violationsOf(answer), JSON.stringify(fields)).toEqual([field]);
    }
    // Start on the 31st without a day: the schedule cannot tell which day to charge.
    const the31st = [...Array(70).keys()].map((d) => addDays(today(), d)).find((d) => d.endsWith("-31"))!;
    const answer = await sessionRest(
      server,
      "POST",
      "/v1/collectionSchedules",
      staff.cookie,
      monthly(mandate.id, { start_date: the31st }),
    );
    expect(violationsOf(answer)).toEqual(["schedule.day_of_month"]);
    // Every bad field at once, each named.
    const all = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, {
      amount_minor: 0,
      currency: "USD",
      start_date: "x",
    });
    expect(violationsOf(all)).toEqual(
      expect.arrayContaining([
        "schedule.mandate_id",
        "schedule.amount_minor",
        "schedule.currency",
        "schedule.interval_unit",
        "schedule.start_date",
      ]),
    );
    expect(await written(staff)).toEqual(before);
  });

  it("answers NOT_FOUND for a missing mandate or another organisation's", async () => {
    const { staff } = await staffWithActiveMandate();
    const { mandate: theirs } = await staffWithActiveMandate();
    for (const id of [theirs.id, "MD0000000000000000000000000"]) {
      const answer = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, monthly(id));
      expect(answer.status).toBe(404);
    }
    expect((await written(staff)).schedules).toBe(0);
  });

  it("refuses API keys (session only) with PERMISSION_DENIED, and viewers", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const byKey = await rest(server, "POST", "/v1/collectionSchedules", staff.secret, monthly(mandate.id));
    expect(byKey.status).toBe(403);
    expect(byKey.body.code).toBe("permission_denied");
    const viewer = await newSignedInUser(server, staff.organisationId, "viewer");
    const byViewer = await sessionRest(server, "POST", "/v1/collectionSchedules", viewer.cookie, monthly(mandate.id));
    expect(byViewer.status).toBe(403);
    const schedule = await createSchedule(server, staff, monthly(mandate.id));
    expect((await rest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, staff.secret, {})).status).toBe(
      403,
    );
    expect(
      (await sessionRest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, viewer.cookie, {})).status,
    ).toBe(403);
    expect((await written(staff)).schedules).toBe(1);
  });
});

describe("reads", () => {
  it("gets and lists schedules and collections, newest first, with filters and page tokens", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const other = await mandateIn(server, staff, "ACTIVE");
    const a = await createSchedule(server, staff, monthly(mandate.id));
    const b = await createSchedule(server, staff, monthly(mandate.id, { start_date: addDays(today(), 40) }));
    const c = await createSchedule(server, staff, monthly(other.id, { start_date: addDays(today(), 80) }));
    await sessionRest(server, "POST", `/v1/collectionSchedules/${a.id}:cancel`, staff.cookie, { reason: "moved out" });

    const got = await rest(server, "GET", `/v1/collectionSchedules/${b.id}`, staff.secret);
    expect(got.body).toMatchObject({ id: b.id, state: "COLLECTION_SCHEDULE_STATE_ACTIVE" });

    const page1 = await rest(server, "GET", "/v1/collectionSchedules?page_size=2", staff.secret);
    expect(page1.body.collectionSchedules.map((s: ScheduleJson) => s.id)).toEqual([c.id, b.id]);
    const page2 = await rest(
      server,
      "GET",
      `/v1/collectionSchedules?page_size=2&page_token=${page1.body.nextPageToken}`,
      staff.secret,
    );
    expect(page2.body.collectionSchedules.map((s: ScheduleJson) => s.id)).toEqual([a.id]);
    expect(page2.body.nextPageToken ?? "").toBe("");
    const byMandate = await rest(
      server,
      "GET",
      `/v1/collectionSchedules?mandate_id=${mandate.id}&state=COLLECTION_SCHEDULE_STATE_ACTIVE`,
      staff.secret,
    );
    expect(byMandate.body.collectionSchedules.map((s: ScheduleJson) => s.id)).toEqual([b.id]);
    const cancelled = await rest(
      server,
      "GET",
      `/v1/collectionSchedules?state=COLLECTION_SCHEDULE_STATE_CANCELLED`,
      staff.secret,
    );
    expect(cancelled.body.collectionSchedules.map((s: ScheduleJson) => s.id)).toEqual([a.id]);
    expect(cancelled.body.collectionSchedules[0].nextChargeDate ?? "").toBe("");

    // Collections: newest charge date first; c's is the latest, a's was cancelled.
    const all = await collectionsOf(staff, "");
    expect(all.map((x) => x.scheduleId)).toEqual([c.id, b.id, a.id]);
    const dates = all.map((x) => x.chargeDate);
    expect([...dates].sort().reverse()).toEqual(dates);
    const first = await rest(server, "GET", "/v1/collections?page_size=1", staff.secret);
    const next = await rest(
      server,
      "GET",
      `/v1/collections?page_size=1&page_token=${first.body.nextPageToken}`,
      staff.secret,
    );
    expect(next.body.collections.map((x: CollectionJson) => x.scheduleId)).toEqual([b.id]);
    const pending = await collectionsOf(
      staff,
      "state=COLLECTION_STATE_PENDING_SUBMISSION&state=COLLECTION_STATE_SUBMITTED",
    );
    expect(pending.map((x) => x.scheduleId)).toEqual([c.id, b.id]);
    expect((await collectionsOf(staff, "state=COLLECTION_STATE_CANCELLED")).map((x) => x.scheduleId)).toEqual([a.id]);
    expect((await collectionsOf(staff, `mandate_id=${other.id}`)).map((x) => x.scheduleId)).toEqual([c.id]);
    const bDate = all[1]!.chargeDate;
    expect((await collectionsOf(staff, `from=${bDate}&to=${bDate}`)).map((x) => x.scheduleId)).toEqual([b.id]);
    expect((await collectionsOf(staff, `to=${bDate}`)).map((x) => x.scheduleId)).toEqual([b.id, a.id]);
    const oneCollection = await rest(server, "GET", `/v1/collections/${all[0]!.id}`, staff.secret);
    expect(oneCollection.body).toMatchObject({ id: all[0]!.id, scheduleId: c.id });

    const wrongFilters = await rest(
      server,
      "GET",
      `/v1/collections?page_size=1&state=COLLECTION_STATE_CANCELLED&page_token=${first.body.nextPageToken}`,
      staff.secret,
    );
    expect(violationsOf(wrongFilters)).toEqual(["page_token"]);
    expect(
      violationsOf(await rest(server, "GET", `/v1/collections?from=2026-05-02&to=2026-05-01`, staff.secret)),
    ).toEqual(["to"]);
    expect(violationsOf(await rest(server, "GET", `/v1/collections?from=May`, staff.secret))).toEqual(["from"]);
    expect(violationsOf(await rest(server, "GET", `/v1/collections?page_token=nonsense`, staff.secret))).toEqual([
      "page_token",
    ]);
  });

  it("answers NOT_FOUND for another organisation's ids, and lists none of them", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const theirs = await staffWithActiveMandate();
    const schedule = await createSchedule(server, theirs.staff, monthly(theirs.mandate.id));
    const [collection] = await collectionsOf(theirs.staff, "");
    await createSchedule(server, staff, monthly(mandate.id));
    for (const path of [
      `/v1/collectionSchedules/${schedule.id}`,
      `/v1/collections/${collection!.id}`,
      "/v1/collections/CL0000000000000000000000000",
    ]) {
      expect((await rest(server, "GET", path, staff.secret)).status, path).toBe(404);
    }
    expect(
      (await sessionRest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, staff.cookie, {})).status,
    ).toBe(404);
    expect(await collectionsOf(staff, `schedule_id=${schedule.id}`)).toEqual([]);
    expect(await collectionsOf(staff, `mandate_id=${theirs.mandate.id}`)).toEqual([]);
    const listed = await rest(server, "GET", "/v1/collectionSchedules", staff.secret);
    expect(listed.body.collectionSchedules.map((s: ScheduleJson) => s.mandateId)).toEqual([mandate.id]);
    // Their page token pages only through our own data.
    await createSchedule(server, theirs.staff, monthly(theirs.mandate.id));
    const theirPage = await rest(server, "GET", "/v1/collectionSchedules?page_size=1", theirs.staff.secret);
    const ours = await rest(
      server,
      "GET",
      `/v1/collectionSchedules?page_size=1&page_token=${theirPage.body.nextPageToken}`,
      staff.secret,
    );
    expect((ours.body.collectionSchedules ?? []).every((s: ScheduleJson) => s.mandateId === mandate.id)).toBe(true);
  });

  it("serves the reads over a real @grpc/grpc-js client", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const schedule = await createSchedule(server, staff, monthly(mandate.id));
    const stranger = await newTenant(server);
    const client = grpcJsClient(server.port);
    try {
      const auth = { authorization: `Bearer ${staff.secret}` };
      const got = await grpcJsUnary(
        client,
        CollectionService.method.getCollectionSchedule,
        { scheduleId: schedule.id },
        auth,
      );
      expect(got.code).toBe(grpc.status.OK);
      expect(got.message?.amountMinor).toBe(125000n);
      const listed = await grpcJsUnary(
        client,
        CollectionService.method.listCollections,
        { scheduleId: schedule.id, state: [CollectionState.PENDING_SUBMISSION] },
        auth,
      );
      expect(listed.code).toBe(grpc.status.OK);
      expect(listed.message?.collections).toHaveLength(1);
      const one = await grpcJsUnary(
        client,
        CollectionService.method.getCollection,
        { collectionId: listed.message!.collections[0]!.id },
        auth,
      );
      expect(one.message?.chargeDate).toBe(listed.message!.collections[0]!.chargeDate);
      const schedules = await grpcJsUnary(
        client,
        CollectionService.method.listCollectionSchedules,
        { mandateId: mandate.id },
        auth,
      );
      expect(schedules.message?.collectionSchedules.map((s) => s.id)).toEqual([schedule.id]);
      const byKey = await grpcJsUnary(
        client,
        CollectionService.method.cancelCollectionSchedule,
        { scheduleId: schedule.id },
        auth,
      );
      expect(byKey.code).toBe(grpc.status.PERMISSION_DENIED);
      const theirs = await grpcJsUnary(
        client,
        CollectionService.method.getCollectionSchedule,
        { scheduleId: schedule.id },
        { authorization: `Bearer ${stranger.secret}` },
      );
      expect(theirs.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe("cancelling", () => {
  it("cancels a schedule and its pending collections; a second cancel is FAILED_PRECONDITION", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const schedule = await createSchedule(server, staff, monthly(mandate.id));
    const cancelled = await sessionRest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, staff.cookie, {
      reason: "tenancy ended",
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: "COLLECTION_SCHEDULE_STATE_CANCELLED" });
    expect(cancelled.body.nextChargeDate ?? "").toBe("");
    const [collection] = await collectionsOf(staff, `schedule_id=${schedule.id}`);
    expect(collection!.state).toBe("COLLECTION_STATE_CANCELLED");
    const again = await sessionRest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, staff.cookie, {});
    expect(again.status).toBe(400);
    expect(reasonOf(again)).toBe("COLLECTION_SCHEDULE_NOT_ACTIVE");
    const feed = await scoped(staff).find(Notification, {
      type: { $in: ["collection.cancelled", "collection_schedule.cancelled"] },
    });
    expect(feed.map((n) => n.resourceId).sort()).toEqual([collection!.id, schedule.id].sort());
    expect(
      violationsOf(
        await sessionRest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, staff.cookie, {
          reason: "x".repeat(501),
        }),
      ),
    ).toEqual(["reason"]);
  });

  it("cancels a mandate's schedules and pending collections when the organisation cancels the mandate", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const one = await createSchedule(server, staff, monthly(mandate.id));
    const two = await createSchedule(
      server,
      staff,
      monthly(mandate.id, { interval_unit: "INTERVAL_UNIT_WEEKLY", start_date: addDays(today(), 20) }),
    );
    const untouched = await staffWithActiveMandate();
    const theirs = await createSchedule(server, untouched.staff, monthly(untouched.mandate.id));
    expect((await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, staff.secret, {})).status).toBe(200);
    for (const id of [one.id, two.id]) {
      expect((await rest(server, "GET", `/v1/collectionSchedules/${id}`, staff.secret)).body.state).toBe(
        "COLLECTION_SCHEDULE_STATE_CANCELLED",
      );
    }
    const collections = await collectionsOf(staff, `mandate_id=${mandate.id}`);
    expect(collections).toHaveLength(2);
    expect(collections.every((x) => x.state === "COLLECTION_STATE_CANCELLED")).toBe(true);
    expect((await rest(server, "GET", `/v1/collectionSchedules/${theirs.id}`, untouched.staff.secret)).body.state).toBe(
      "COLLECTION_SCHEDULE_STATE_ACTIVE",
    );
  });

  it("cancels them too when Bacs cancels (ADDACS) or the mandate expires, and leaves submitted collections alone", async () => {
    for (const action of ["cancel", "expire"] as const) {
      const { staff, mandate } = await staffWithActiveMandate();
      const schedule = await createSchedule(server, staff, monthly(mandate.id));
      const second = await createSchedule(server, staff, monthly(mandate.id));
      // The processor's step: the second schedule's collection was already submitted to Bacs.
      const em = scoped(staff);
      const submitted = await em.findOneOrFail(Collection, { schedule: second.id });
      submitted.state = "SUBMITTED";
      await em.flush();
      await external(server, staff, mandate.id, action, action === "cancel" ? "1" : undefined);
      expect((await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, staff.secret)).body.state).toBe(
        "COLLECTION_SCHEDULE_STATE_CANCELLED",
      );
      const states = (await collectionsOf(staff, `mandate_id=${mandate.id}`))
        .map((x) => `${x.scheduleId === second.id ? "second" : "first"}:${x.state}`)
        .sort();
      expect(states).toEqual(["first:COLLECTION_STATE_CANCELLED", "second:COLLECTION_STATE_SUBMITTED"]);
    }
  });
});

// Last: it moves the shared clock months ahead.
describe("materialiseDue", () => {
  it("creates one collection a month on working days over simulated months, and finishes after count", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const start = today();
    const schedule = await createSchedule(server, staff, monthly(mandate.id, { day_of_month: -1, count: 4 }));
    const weekly = await createSchedule(
      server,
      staff,
      monthly(mandate.id, { interval_unit: "INTERVAL_UNIT_WEEKLY", end_date: addDays(start, 35) }),
    );
    for (let day = 0; day < 150; day++) {
      // Twice a day, as two replicas might: nothing is created twice.
      await server.app.collections.materialiseDue(server.admin.em.fork());
      await server.app.collections.materialiseDue(server.admin.em.fork());
      clock.advance(86_400_000);
    }
    // Each collection is created the day it falls due (MATERIALISE_LEAD_DAYS ahead), the first at once,
    // and none is charged before the 10 working days' notice the schedule's creation gave.
    const createdOn = (nominal: string) => maxDate(start, addDays(nominal, -MATERIALISE_LEAD_DAYS));
    const noticed = noticeReached({ sentOn: start, workingDays: 10 });
    const chargeOf = (nominal: string) => maxDate(chargeDateFor(nominal, createdOn(nominal)), noticed);
    const monthlyExpected = monthlyDates(start, -1, { count: 4 }).map(chargeOf);
    const months = (
      await scoped(staff).find(Collection, { schedule: schedule.id }, { orderBy: { chargeDate: "asc" } })
    ).map((c) => c.chargeDate);
    expect(months).toEqual(monthlyExpected);
    expect(months.every(isWorkingDay)).toBe(true);
    const finished = await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, staff.secret);
    expect(finished.body).toMatchObject({ state: "COLLECTION_SCHEDULE_STATE_FINISHED", createdCollectionCount: 4 });
    expect(finished.body.nextChargeDate ?? "").toBe("");

    // Weekly to start + 35 days: six dates, but none may be charged after end_date (a holiday can push the last out).
    const end = addDays(start, 35);
    // Dates pushed by the notice period onto the next date's charge day are skipped: one debit a day at most.
    const weeklyAll = [...new Set([0, 1, 2, 3, 4, 5].map((k) => addDays(start, 7 * k)).map(chargeOf))];
    const weeklyExpected = weeklyAll.filter((d) => d <= end);
    const weeks = (
      await scoped(staff).find(Collection, { schedule: weekly.id }, { orderBy: { chargeDate: "asc", id: "asc" } })
    ).map((c) => c.chargeDate);
    expect(weeks).toEqual(weeklyExpected);
    expect((await rest(server, "GET", `/v1/collectionSchedules/${weekly.id}`, staff.secret)).body.state).toBe(
      "COLLECTION_SCHEDULE_STATE_FINISHED",
    );
  });

  it("after a suspension of months, charges the missed dates once, not once each on one day", async () => {
    const { staff, mandate } = await staffWithActiveMandate();
    const weekly = await createSchedule(server, staff, monthly(mandate.id, { interval_unit: "INTERVAL_UNIT_WEEKLY" }));
    const schedule = await createSchedule(server, staff, monthly(mandate.id));
    const suspend = await rest(server, "POST", `/v1/mandates/${mandate.id}:suspend`, staff.secret, {
      reason: "Tenant in arrears talks",
    });
    expect(suspend.status).toBe(200);
    for (let day = 0; day < 95; day++) {
      await server.app.collections.materialiseDue(server.admin.em.fork());
      clock.advance(86_400_000);
    }
    const reactivate = await rest(server, "POST", `/v1/mandates/${mandate.id}:reactivate`, staff.secret, {});
    expect(reactivate.status).toBe(200);
    await server.app.collections.materialiseDue(server.admin.em.fork());
    for (const id of [schedule.id, weekly.id]) {
      const pending = (
        await scoped(staff).find(
          Collection,
          { schedule: id, state: "PENDING_SUBMISSION" },
          { orderBy: { chargeDate: "asc" } },
        )
      ).map((c) => c.chargeDate);
      // One catch-up collection on the earliest allowed day, then the schedule's own dates: no day twice.
      expect(pending.length).toBeGreaterThan(0);
      expect(new Set(pending).size, `${id}: ${pending.join(", ")}`).toBe(pending.length);
      expect(pending.every(isWorkingDay)).toBe(true);
    }
  });
});
