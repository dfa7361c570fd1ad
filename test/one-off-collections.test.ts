/**
 * One-off collections (CreateCollection) end to end on a real server and real PostgreSQL: staff
 * create them over REST and a real @grpc/grpc-js client, on the earliest date the notice period
 * allows or a date they choose (moved to a working day); the payer's advance notice goes out with
 * them (or, where the organisation sends its own, only the feed says so); every refusal answers its
 * code and writes nothing; a one-off never takes a day the mandate is already to be debited on; an
 * Idempotency-Key replays; and Bacs processing moves a one-off whose mandate is still being set up
 * past the days it is taken.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionService, CollectionState } from "../gen/dd/v1/collections_pb.js";
import {
  addWorkingDays,
  countWorkingDays,
  isWorkingDay,
  nextWorkingDayOnOrAfter,
  submissionDateFor,
} from "../src/modules/calendar/bacs-calendar.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { addDays, dayOfWeek, SATURDAY } from "../src/modules/calendar/plain-date.js";
import { Collection } from "../src/modules/collections/collection.entity.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { longDate } from "../src/modules/payer-notices/notice-emails.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, createSchedule, type Staff, sessionRest, withAdmin } from "./support/collections.js";
import { newSignedInUser } from "./support/fixtures.js";
import {
  emailsTo,
  type MandateJson,
  mandateIn,
  newTenant,
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

async function staffWithMandate(state: "ACTIVE" | "PENDING_CUSTOMER_APPROVAL" = "ACTIVE") {
  const staff = await withAdmin(server, await newTenant(server));
  const mandate = await mandateIn(server, staff, state);
  return { staff, mandate };
}

const create = (staff: Staff, collection: Record<string, unknown>) =>
  sessionRest(server, "POST", "/v1/collections", staff.cookie, collection);

async function createOneOff(staff: Staff, collection: Record<string, unknown>): Promise<CollectionJson> {
  const answer = await create(staff, collection);
  if (answer.status !== 200) throw new Error(`create failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as CollectionJson;
}

/** written counts what a one-off writes: collections, their feed events, audit events, payer emails. */
async function written(tenant: Tenant, mandate: MandateJson) {
  const em = scoped(tenant);
  return {
    collections: await em.count(Collection, {}),
    notifications: await em.count(Notification, { type: { $like: "%collection%" } }),
    notices: await em.count(Notification, { type: "payer.advance_notice" }),
    audit: await em.count(AuditEvent, { action: { $like: "collection%" } }),
    emails: (await emailsTo(server, mandate.payer.email)).length,
  };
}

/** The first Saturday on or after `date`. */
function saturdayFrom(date: string): string {
  let day = date;
  while (dayOfWeek(day) !== SATURDAY) day = addDays(day, 1);
  return day;
}

describe("CreateCollection", () => {
  it("creates a one-off on the earliest date by default, with its event, audit event and the payer's advance notice", async () => {
    const { staff, mandate } = await staffWithMandate();
    const before = await written(staff, mandate);
    const collection = await createOneOff(staff, {
      mandate_id: mandate.id,
      amount_minor: "4250",
      description: "Boiler repair",
    });
    expect(collection.id).toMatch(/^CL[0-9A-Z]{26}$/);
    expect(collection).toMatchObject({
      mandateId: mandate.id,
      amountMinor: "4250",
      currency: "GBP",
      state: "COLLECTION_STATE_PENDING_SUBMISSION",
      description: "Boiler repair",
    });
    expect(collection.scheduleId ?? "").toBe("");
    // The default notice period is 10 working days, bank holidays not counted; an active mandate
    // adds nothing, so the earliest date is exactly that.
    expect(collection.chargeDate).toBe(addWorkingDays(today(), 10));
    expect(countWorkingDays(today(), collection.chargeDate)).toBeGreaterThanOrEqual(10);
    const got = await rest(server, "GET", `/v1/collections/${collection.id}`, staff.secret);
    expect(got.body).toMatchObject({ id: collection.id, originalChargeDate: collection.chargeDate });
    expect(got.body.retryCount ?? 0).toBe(0);

    const stored = await scoped(staff).findOneOrFail(Collection, collection.id);
    expect(stored).toMatchObject({ schedule: null, noticeDate: today(), originalChargeDate: collection.chargeDate });
    const feed = await scoped(staff).find(Notification, { collectionId: collection.id });
    expect(feed.map((n) => n.type).sort()).toEqual(["collection.created", "payer.advance_notice"]);
    expect(await scoped(staff).count(AuditEvent, { action: "collection.create", target: collection.id })).toBe(1);
    const listed = await rest(
      server,
      "GET",
      `/v1/notifications?mandate_id=${mandate.id}&type=NOTIFICATION_TYPE_ADVANCE_NOTICE`,
      staff.secret,
    );
    expect(listed.body.notifications).toEqual([
      expect.objectContaining({
        collectionId: collection.id,
        message: expect.stringContaining("Advance notice emailed"),
      }),
    ]);

    const emails = await emailsTo(server, mandate.payer.email);
    expect(emails).toHaveLength(before.emails + 1);
    const notice = emails.at(-1)!;
    expect(notice.subject).toMatch(/^Advance notice: £42\.50 Direct Debit to /);
    expect(notice.text).toContain(
      `single payment of £42.50 for Boiler repair by Direct Debit on ${longDate(collection.chargeDate)}`,
    );
    expect(notice.text).toContain(`Reference: ${mandate.reference}`);
    expect(notice.html).toContain(longDate(collection.chargeDate));
    expect(notice.html).toContain("£42.50");
  });

  it("charges on a given date moved to the next working day, for a member over a real @grpc/grpc-js client", async () => {
    const { staff, mandate } = await staffWithMandate();
    const member = await newSignedInUser(server, staff.organisationId, "member");
    const saturday = saturdayFrom(addDays(today(), 30));
    const client = grpcJsClient(server.port);
    try {
      const made = await grpcJsUnary(
        client,
        CollectionService.method.createCollection,
        {
          collection: { mandateId: mandate.id, amountMinor: 999n, chargeDate: saturday, description: "Deposit top-up" },
        },
        { cookie: member.cookie },
      );
      expect(made.code, made.details).toBe(grpc.status.OK);
      expect(made.message).toMatchObject({
        mandateId: mandate.id,
        scheduleId: "",
        amountMinor: 999n,
        currency: "GBP",
        chargeDate: nextWorkingDayOnOrAfter(saturday),
        originalChargeDate: nextWorkingDayOnOrAfter(saturday),
        state: CollectionState.PENDING_SUBMISSION,
        retryCount: 0,
      });
      expect(isWorkingDay(made.message!.chargeDate)).toBe(true);

      const before = await written(staff, mandate);
      const byKey = await grpcJsUnary(
        client,
        CollectionService.method.createCollection,
        { collection: { mandateId: mandate.id, amountMinor: 999n } },
        { authorization: `Bearer ${staff.secret}` },
      );
      expect(byKey.code).toBe(grpc.status.PERMISSION_DENIED);
      const bad = await grpcJsUnary(
        client,
        CollectionService.method.createCollection,
        { collection: { mandateId: mandate.id, amountMinor: 0n } },
        { cookie: member.cookie },
      );
      expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(await written(staff, mandate)).toEqual(before);
    } finally {
      client.close();
    }
  });

  it("answers INVALID_ARGUMENT naming each invalid field, all at once, and writes nothing", async () => {
    const { staff, mandate } = await staffWithMandate();
    const before = await written(staff, mandate);
    const cases: [Record<string, unknown>, string][] = [
      [{ mandate_id: "" }, "collection.mandate_id"],
      [{ amount_minor: 0 }, "collection.amount_minor"],
      [{ amount_minor: -5 }, "collection.amount_minor"],
      [{ amount_minor: "100000001" }, "collection.amount_minor"],
      [{ currency: "EUR" }, "collection.currency"],
      [{ charge_date: "2026-02-30" }, "collection.charge_date"],
      [{ charge_date: "next week" }, "collection.charge_date"],
      [{ charge_date: addDays(today(), -1) }, "collection.charge_date"],
      [{ charge_date: addDays(today(), 366) }, "collection.charge_date"],
      [{ description: "x".repeat(101) }, "collection.description"],
      [{ description: "line\nbreak" }, "collection.description"],
      [{ description: "a\u0000b" }, "collection.description"],
    ];
    for (const [fields, field] of cases) {
      const answer = await create(staff, { mandate_id: mandate.id, amount_minor: 500, ...fields });
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.body.code).toBe("invalid_argument");
      expect(violationsOf(answer), JSON.stringify(fields)).toEqual([field]);
    }
    const all = await create(staff, { amount_minor: 0, currency: "USD", charge_date: "x", description: "\u0007" });
    expect(violationsOf(all).sort()).toEqual([
      "collection.amount_minor",
      "collection.charge_date",
      "collection.currency",
      "collection.description",
      "collection.mandate_id",
    ]);
    expect(await written(staff, mandate)).toEqual(before);
    // The bounds themselves are allowed: the largest amount, a date 365 days ahead, 100 characters.
    const edge = await createOneOff(staff, {
      mandate_id: mandate.id,
      amount_minor: "100000000",
      charge_date: addDays(today(), 365),
      description: "é".repeat(100),
    });
    expect(edge.chargeDate).toBe(nextWorkingDayOnOrAfter(addDays(today(), 365)));
  });

  it("refuses a date before the earliest the notice period allows, naming that date", async () => {
    const { staff, mandate } = await staffWithMandate();
    const before = await written(staff, mandate);
    const earliest = addWorkingDays(today(), 10);
    for (const date of [today(), addWorkingDays(today(), 9)]) {
      const answer = await create(staff, { mandate_id: mandate.id, amount_minor: 500, charge_date: date });
      expect(answer.status, date).toBe(400);
      expect(violationsOf(answer)).toEqual(["collection.charge_date"]);
      expect(JSON.stringify(answer.body)).toContain(`is before the earliest possible charge date ${earliest}`);
    }
    expect(await written(staff, mandate)).toEqual(before);
    const onTime = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: 500, charge_date: earliest });
    expect(onTime.chargeDate).toBe(earliest);
  });

  it("counts the organisation's own notice period", async () => {
    const { staff, mandate } = await staffWithMandate();
    const em = server.admin.em.fork();
    (await em.findOneOrFail(Organisation, staff.organisationId)).advanceNoticeWorkingDays = 3;
    await em.flush();
    const collection = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: 500 });
    // Three working days of notice; Bacs itself needs three working days too (input the next one).
    expect(collection.chargeDate).toBe(addWorkingDays(today(), 3));
  });

  it("never debits the payer twice in one day: a schedule's collection, its later dates and other one-offs take their days", async () => {
    const { staff, mandate } = await staffWithMandate();
    const start = addWorkingDays(today(), 10);
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "125000",
      interval_unit: "INTERVAL_UNIT_WEEKLY",
      start_date: start,
    });
    const [first] = (await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, staff.secret)).body
      .collections as CollectionJson[];
    expect(first!.chargeDate).toBe(start);
    const before = await written(staff, mandate);
    // Its first collection's day, and a later schedule date it has not created yet.
    const clashes: [string, string][] = [
      [start, `collection ${first!.id}`],
      [addDays(start, 14), `collection schedule ${schedule.id}`],
    ];
    for (const [date, takenBy] of clashes) {
      const answer = await create(staff, { mandate_id: mandate.id, amount_minor: 500, charge_date: date });
      expect(answer.status, date).toBe(400);
      expect(violationsOf(answer)).toEqual(["collection.charge_date"]);
      expect(JSON.stringify(answer.body)).toContain(`is taken by ${takenBy}`);
    }
    expect(await written(staff, mandate)).toEqual(before);

    // The default date steps past the schedule's day to the next free one.
    const byDefault = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: 500 });
    expect(byDefault.chargeDate).toBe(addWorkingDays(start, 1));
    const again = await create(staff, { mandate_id: mandate.id, amount_minor: 700, charge_date: byDefault.chargeDate });
    expect(violationsOf(again)).toEqual(["collection.charge_date"]);
    expect(JSON.stringify(again.body)).toContain(`is taken by collection ${byDefault.id}`);
    const next = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: 500 });
    expect(next.chargeDate).toBe(addWorkingDays(start, 2));
    // Another mandate is another account: its days are its own.
    const other = await mandateIn(server, staff, "ACTIVE");
    const elsewhere = await createOneOff(staff, { mandate_id: other.id, amount_minor: 500, charge_date: start });
    expect(elsewhere.chargeDate).toBe(start);
  });

  it("gives concurrent one-offs under one mandate distinct days (the mandate is locked)", async () => {
    const { staff, mandate } = await staffWithMandate();
    const made = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createOneOff(staff, { mandate_id: mandate.id, amount_minor: 100 + i })),
    );
    const days = made.map((c) => c.chargeDate).sort();
    expect(days).toEqual(Array.from({ length: 5 }, (_, i) => addWorkingDays(today(), 10 + i)));
  });

  it.each(["CANCELLED", "FAILED", "EXPIRED"] as const)(
    "refuses a %s mandate with FAILED_PRECONDITION MANDATE_NOT_ACTIVE, writing nothing",
    async (state) => {
      const staff = await withAdmin(server, await newTenant(server));
      const mandate = await mandateIn(server, staff, state);
      const before = await written(staff, mandate);
      const answer = await create(staff, { mandate_id: mandate.id, amount_minor: 500 });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("failed_precondition");
      expect(reasonOf(answer)).toBe("MANDATE_NOT_ACTIVE");
      expect(await written(staff, mandate)).toEqual(before);
    },
  );

  it("answers NOT_FOUND for a missing mandate or another organisation's, writing nothing", async () => {
    const { staff, mandate } = await staffWithMandate();
    const { staff: them, mandate: theirs } = await staffWithMandate();
    const before = [await written(staff, mandate), await written(them, theirs)];
    for (const id of [theirs.id, "MD0000000000000000000000000"]) {
      const answer = await create(staff, { mandate_id: id, amount_minor: 500 });
      expect(answer.status, id).toBe(404);
    }
    expect([await written(staff, mandate), await written(them, theirs)]).toEqual(before);
  });

  it("refuses API keys (session only) with PERMISSION_DENIED, and viewers", async () => {
    const { staff, mandate } = await staffWithMandate();
    const before = await written(staff, mandate);
    const byKey = await rest(server, "POST", "/v1/collections", staff.secret, {
      mandate_id: mandate.id,
      amount_minor: 5,
    });
    expect(byKey.status).toBe(403);
    expect(byKey.body.code).toBe("permission_denied");
    const viewer = await newSignedInUser(server, staff.organisationId, "viewer");
    const byViewer = await sessionRest(server, "POST", "/v1/collections", viewer.cookie, {
      mandate_id: mandate.id,
      amount_minor: 5,
    });
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.code).toBe("permission_denied");
    expect(await written(staff, mandate)).toEqual(before);
  });

  it("leaves the email to an organisation that sends its own notices, and tells it what to send", async () => {
    const { staff, mandate } = await staffWithMandate();
    const em = server.admin.em.fork();
    (await em.findOneOrFail(Organisation, staff.organisationId)).payerNoticesBy = "ORGANISATION";
    await em.flush();
    const before = (await emailsTo(server, mandate.payer.email)).length;
    const collection = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: "12000" });
    expect((await emailsTo(server, mandate.payer.email)).length).toBe(before);
    const feed = await scoped(staff).find(Notification, { collectionId: collection.id, type: "payer.advance_notice" });
    expect(feed.map((n) => n.message)).toEqual([
      `Send the payer advance notice today: £120.00 once on ${collection.chargeDate} under mandate ${mandate.id}`,
    ]);
  });

  it("replays the first answer for the same Idempotency-Key, creating one collection", async () => {
    const { staff, mandate } = await staffWithMandate();
    const send = () =>
      fetch(`${server.baseUrl}/v1/collections`, {
        method: "POST",
        headers: { cookie: staff.cookie, "content-type": "application/json", "idempotency-key": "one-off-1" },
        body: JSON.stringify({ mandate_id: mandate.id, amount_minor: "3000", description: "Late fee" }),
      });
    const first = await send();
    expect(first.status).toBe(200);
    const second = await send();
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [(await first.json()) as CollectionJson, (await second.json()) as CollectionJson];
    expect(b).toEqual(a);
    expect(await scoped(staff).count(Collection, { mandate: mandate.id })).toBe(1);
    expect(
      (await emailsTo(server, mandate.payer.email)).filter((e) => e.subject.startsWith("Advance notice")),
    ).toHaveLength(1);
  });
});

describe("Bacs processing of a one-off", () => {
  it("moves a one-off whose mandate is still being set up on its input day past the days the mandate is taken", async () => {
    // The payer has not completed the invite: the mandate is still being set up on the input day.
    const { staff, mandate } = await staffWithMandate("PENDING_CUSTOMER_APPROVAL");
    const oneOff = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: 500 });
    const inputDay = submissionDateFor(oneOff.chargeDate);
    // Postponed from its input day, it would land on the notice period's end from then: taken.
    const postponedTo = addWorkingDays(inputDay, 10);
    const blocker = await createOneOff(staff, { mandate_id: mandate.id, amount_minor: 700, charge_date: postponedTo });
    const run = await server.app.processor.runOnce(new Date(`${inputDay}T10:00:00Z`));
    expect(run.collectionsPostponed, JSON.stringify(run)).toBeGreaterThanOrEqual(1);
    const moved = (await rest(server, "GET", `/v1/collections/${oneOff.id}`, staff.secret)).body as CollectionJson;
    expect(moved.state).toBe("COLLECTION_STATE_PENDING_SUBMISSION");
    expect(moved.chargeDate).toBe(addWorkingDays(postponedTo, 1));
    const [event] = await scoped(staff).find(Notification, { collectionId: oneOff.id, type: "collection.postponed" });
    expect(event?.message).toContain(`(${postponedTo} is taken: moved on to the mandate's next free day)`);
    const still = (await rest(server, "GET", `/v1/collections/${blocker.id}`, staff.secret)).body as CollectionJson;
    expect(still.chargeDate).toBe(postponedTo);
  });
});
