/**
 * RetryCollection end to end on a real server and real PostgreSQL: a collection returned unpaid with
 * ARUDD code "0" is presented again on the earliest date the organisation's notice period allows
 * (or a date staff choose), the payer is emailed advance notice of it, and Bacs processing or the
 * sandbox take it on from PENDING_SUBMISSION (it can fail again, and be presented again once more).
 * Every refusal (wrong state, wrong code, the limit, the window, a taken day, a mandate no longer
 * active, a key, a viewer) writes nothing: no row of the organisation changes, no email goes out.
 * Over REST and a real @grpc/grpc-js client, with a test clock moved by hand.
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
import { addDays } from "../src/modules/calendar/plain-date.js";
import { retryWindowEnd } from "../src/modules/collections/retry.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { longDate } from "../src/modules/payer-notices/notice-emails.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { acrossTenants } from "../src/platform/db/tenant-session.js";
import { fingerprint } from "./security/support/organisations.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, createSchedule, type Staff, sessionRest } from "./support/collections.js";
import { liveBacsIdentity, newApiKey, newSignedInUser } from "./support/fixtures.js";
import {
  emailsTo,
  type MandateJson,
  mandateIn,
  type RestAnswer,
  reasonOf,
  rest,
  violationsOf,
} from "./support/mandates.js";
import { type Relay, startTestServerWithRelay } from "./support/relay.js";
import { TestClock } from "./support/test-clock.js";
import type { TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();
const today = () => londonDate(clock.now());
const DAY_MS = 24 * 60 * 60 * 1000;

let relay: Relay;

beforeAll(async () => {
  ({ server, relay } = await startTestServerWithRelay(clock));
});
afterAll(async () => server?.close());

/** RetriedJson is a collection as REST shows it, with the retry fields. */
interface RetriedJson extends CollectionJson {
  retryCount?: number;
  originalChargeDate: string;
  paidOutTime?: string;
}

/** Failed is a sandbox organisation's collection returned unpaid, and who can act on it. */
interface Failed {
  staff: Staff;
  mandate: MandateJson;
  collection: RetriedJson;
}

/**
 * sandboxStaff is a sandbox organisation (the simulators work for it) with a service user number,
 * a full-scope key and a signed-in admin.
 */
async function sandboxStaff(): Promise<Staff> {
  const name = `Retry Lettings ${Math.random().toString(36).slice(2, 6)}`;
  const organisation = await acrossTenants(server.database.orm, "provisioning", (em) =>
    server.app.provisioning.createOrganisation(em, { name, sandbox: true, ...liveBacsIdentity(name) }),
  );
  const { secret } = await newApiKey(server, organisation.id);
  const admin = await newSignedInUser(server, organisation.id, "admin");
  return { organisationId: organisation.id, secret, cookie: admin.cookie };
}

/** signedIn gives the staff a fresh admin session: moving the clock by days ends the old ones. */
async function signedIn(staff: Staff): Promise<Staff> {
  return { ...staff, cookie: (await newSignedInUser(server, staff.organisationId, "admin")).cookie };
}

/** advanceTo moves the clock, at its time of day, to `day`. */
function advanceTo(day: string): void {
  const days = countDays(today(), day);
  if (days > 0) clock.advance(days * DAY_MS);
}

function countDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** onePayment is a schedule of one payment, on `start` (moved to a working day). */
function onePayment(mandateId: string, amountMinor: string, start = today()) {
  return {
    mandate_id: mandateId,
    amount_minor: amountMinor,
    interval_unit: "INTERVAL_UNIT_WEEKLY",
    start_date: start,
    count: 1,
  };
}

async function simulate(staff: Staff, id: string, scenario: string, reasonCode?: string): Promise<RetriedJson> {
  const answer = await rest(server, "POST", `/v1/sandbox/collections/${id}:simulate`, staff.secret, {
    scenario: `COLLECTION_SCENARIO_${scenario}`,
    ...(reasonCode === undefined ? {} : { reason_code: reasonCode }),
  });
  if (answer.status !== 200) throw new Error(`simulate ${scenario}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as RetriedJson;
}

/**
 * failedCollection makes a one-payment schedule of £1250 under an active mandate, moves the clock
 * to the working day after its charge date (when an ARUDD return arrives) and has the sandbox return
 * it unpaid with `reasonCode`.
 */
async function failedCollection(reasonCode = "0"): Promise<Failed> {
  const first = await sandboxStaff();
  const mandate = await mandateIn(server, first, "ACTIVE");
  const schedule = await createSchedule(server, first, onePayment(mandate.id, "125000"));
  const listed = await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, first.secret);
  const pending = (listed.body.collections as RetriedJson[])[0]!;
  advanceTo(addWorkingDays(pending.chargeDate, 1));
  const staff = await signedIn(first);
  const collection = await simulate(staff, pending.id, "FAIL", reasonCode);
  expect(collection.state).toBe("COLLECTION_STATE_FAILED");
  return { staff, mandate, collection };
}

function retry(staff: Staff, id: string, body: Record<string, unknown> = {}, cookie = staff.cookie) {
  return sessionRest(server, "POST", `/v1/collections/${id}:retry`, cookie, body);
}

async function retried(staff: Staff, id: string, body: Record<string, unknown> = {}): Promise<RetriedJson> {
  const answer = await retry(staff, id, body);
  if (answer.status !== 200) throw new Error(`retry: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as RetriedJson;
}

/** written is everything a retry could write: the organisation's rows, its retry audit events, the payer's emails. */
async function written({ staff, mandate }: Failed) {
  const em = scopeToOrganisation(server.admin.em.fork(), staff.organisationId);
  return {
    rows: await fingerprint(server, staff.organisationId),
    audit: await em.count(AuditEvent, { action: "collection.retry" }),
    emails: (await emailsTo(server, mandate.payer.email)).length,
  };
}

/** refused expects a refusal of the given code and reason (or field), with nothing written. */
async function expectRefused(failed: Failed, call: () => Promise<RestAnswer>, code: string, reasonOrField: string) {
  const before = await written(failed);
  const answer = await call();
  expect(answer.body?.code, JSON.stringify(answer.body)).toBe(code);
  if (code === "invalid_argument") expect(violationsOf(answer)).toEqual([reasonOrField]);
  else if (code === "failed_precondition") expect(reasonOf(answer)).toBe(reasonOrField);
  expect(await written(failed)).toEqual(before);
  return answer;
}

async function feedTypes(staff: Staff, mandateId: string): Promise<string[]> {
  const answer = await rest(server, "GET", `/v1/notifications?mandate_id=${mandateId}&page_size=100`, staff.secret);
  expect(answer.status).toBe(200);
  return (answer.body.notifications as { type: string }[]).map((n) => n.type);
}

describe("RetryCollection", () => {
  it("presents a code 0 return again on the earliest date the notice period allows, and emails the payer", async () => {
    const { staff, mandate, collection } = await failedCollection();
    const original = collection.chargeDate;
    const got = await retried(staff, collection.id);
    expect(got).toMatchObject({
      id: collection.id,
      state: "COLLECTION_STATE_PENDING_SUBMISSION",
      retryCount: 1,
      originalChargeDate: original,
      amountMinor: "125000",
    });
    expect(got.reasonCode).toBeUndefined();
    // Ten working days' notice (the default), bank holidays not counted, and not one more.
    expect(isWorkingDay(got.chargeDate)).toBe(true);
    expect(countWorkingDays(today(), got.chargeDate)).toBe(10);
    expect(got.chargeDate > original).toBe(true);

    expect(await feedTypes(staff, mandate.id)).toEqual(
      expect.arrayContaining(["NOTIFICATION_TYPE_COLLECTION_RETRIED", "NOTIFICATION_TYPE_ADVANCE_NOTICE"]),
    );
    const only = await rest(
      server,
      "GET",
      `/v1/notifications?mandate_id=${mandate.id}&type=NOTIFICATION_TYPE_COLLECTION_RETRIED`,
      staff.secret,
    );
    expect(only.body.notifications).toHaveLength(1);
    expect(only.body.notifications[0]).toMatchObject({ collectionId: collection.id });
    expect(only.body.notifications[0].message).toContain(`first charge date ${original}`);

    const notice = (await emailsTo(server, mandate.payer.email)).find((e) => e.subject.endsWith(" collected again"));
    expect(notice?.subject).toMatch(/^Advance notice: £1250\.00 Direct Debit to /);
    expect(notice?.text).toContain(`the £1250.00 Direct Debit payment to`);
    expect(notice?.text).toContain(`that was due on ${longDate(original)}`);
    expect(notice?.text).toContain(`on ${longDate(got.chargeDate)}.`);
    expect(notice?.text).toContain(`Reference: ${mandate.reference}`);
    expect(notice?.text).toContain("Attempt: second");
    expect(notice?.text).toMatch(/Service user number: \d{6}/);
    expect(notice?.html).toContain(longDate(got.chargeDate));

    const em = scopeToOrganisation(server.admin.em.fork(), staff.organisationId);
    expect(await em.count(AuditEvent, { action: "collection.retry", target: collection.id })).toBe(1);
    const read = await rest(server, "GET", `/v1/collections/${collection.id}`, staff.secret);
    expect(read.body).toMatchObject({ chargeDate: got.chargeDate, retryCount: 1, originalChargeDate: original });
  });

  it("takes the date staff give, moved to the next working day, over a real gRPC client, by a member", async () => {
    const { staff, collection } = await failedCollection();
    const earliest = addWorkingDays(today(), 10);
    const windowEnd = addDays(collection.chargeDate, 28);
    let asked = addDays(earliest, 1);
    while (isWorkingDay(asked)) asked = addDays(asked, 1);
    expect(nextWorkingDayOnOrAfter(asked) <= windowEnd).toBe(true);
    const member = await newSignedInUser(server, staff.organisationId, "member");
    const client = grpcJsClient(server.port);
    try {
      const got = await grpcJsUnary(
        client,
        CollectionService.method.retryCollection,
        { collectionId: collection.id, chargeDate: asked },
        { cookie: member.cookie },
      );
      expect(got.code, got.details).toBe(grpc.status.OK);
      expect(got.message).toMatchObject({
        state: CollectionState.PENDING_SUBMISSION,
        chargeDate: nextWorkingDayOnOrAfter(asked),
        retryCount: 1,
        originalChargeDate: collection.chargeDate,
      });
      const unnamed = await grpcJsUnary(
        client,
        CollectionService.method.retryCollection,
        { collectionId: "" },
        { cookie: member.cookie },
      );
      expect(unnamed.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(unnamed.details).toContain("collection_id");
    } finally {
      client.close();
    }
  });

  it("presents a collection that failed again once more, then refuses a third time (RETRY_LIMIT_REACHED)", async () => {
    const failed = await failedCollection();
    const { staff, collection } = failed;
    const threshold = (
      (await rest(server, "GET", "/v1/alertThresholds", staff.secret)).body.alertThresholds as {
        id: string;
        type: string;
      }[]
    ).find((t) => t.type === "ALERT_TYPE_COLLECTION_FAILED")!;
    const enabled = await rest(
      server,
      "PATCH",
      `/v1/alertThresholds/${threshold.id}?update_mask=enabled`,
      staff.secret,
      { enabled: true },
    );
    expect(enabled.status).toBe(200);
    const alertsOf = async () =>
      ((await rest(server, "GET", "/v1/alerts?page_size=100", staff.secret)).body.alerts ?? []) as {
        id: string;
        collectionId: string;
        state: string;
      }[];

    await retried(staff, collection.id);
    await simulate(staff, collection.id, "FAIL", "0");
    expect(await alertsOf()).toHaveLength(1);
    // It fails a third time: the second failure's alert, still open, covers it (and nothing breaks).
    await retried(staff, collection.id);
    const third = await simulate(staff, collection.id, "FAIL", "0");
    expect(third).toMatchObject({ state: "COLLECTION_STATE_FAILED", reasonCode: "0", retryCount: 2 });
    const alerts = await alertsOf();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.collectionId).toBe(collection.id);

    const refused = await expectRefused(
      failed,
      () => retry(staff, collection.id),
      "failed_precondition",
      "RETRY_LIMIT_REACHED",
    );
    expect(refused.body.message).toContain("already presented again 2 times");
    expect(await feedTypes(staff, failed.mandate.id)).toEqual(
      expect.arrayContaining(["NOTIFICATION_TYPE_COLLECTION_RETRIED"]),
    );
    const retriedEvents = (await feedTypes(staff, failed.mandate.id)).filter(
      (t) => t === "NOTIFICATION_TYPE_COLLECTION_RETRIED",
    );
    expect(retriedEvents).toHaveLength(2);
  });

  it("raises a new alert when a presented-again collection fails after its first alert was resolved", async () => {
    const { staff, collection } = await failedCollection("0");
    const thresholds = (await rest(server, "GET", "/v1/alertThresholds", staff.secret)).body.alertThresholds as {
      id: string;
      type: string;
    }[];
    const threshold = thresholds.find((t) => t.type === "ALERT_TYPE_COLLECTION_FAILED")!;
    await rest(server, "PATCH", `/v1/alertThresholds/${threshold.id}?update_mask=enabled`, staff.secret, {
      enabled: true,
    });
    await retried(staff, collection.id);
    await simulate(staff, collection.id, "FAIL", "0");
    const [first] = (await rest(server, "GET", "/v1/alerts", staff.secret)).body.alerts as { id: string }[];
    expect(first).toBeDefined();
    const resolved = await rest(server, "POST", `/v1/alerts/${first!.id}:resolve`, staff.secret, {});
    expect(resolved.status).toBe(200);
    await retried(staff, collection.id);
    await simulate(staff, collection.id, "FAIL", "0");
    const alerts = (await rest(server, "GET", "/v1/alerts", staff.secret)).body.alerts as {
      collectionId: string;
      state: string;
    }[];
    expect(alerts.map((a) => [a.collectionId, a.state])).toEqual([
      [collection.id, "ALERT_STATE_OPEN"],
      [collection.id, "ALERT_STATE_RESOLVED"],
    ]);
  });

  it("refuses a return with another code than 0 (RETRY_NOT_ALLOWED_FOR_REASON), naming it", async () => {
    const failed = await failedCollection("1");
    const answer = await expectRefused(
      failed,
      () => retry(failed.staff, failed.collection.id),
      "failed_precondition",
      "RETRY_NOT_ALLOWED_FOR_REASON",
    );
    expect(answer.body.message).toContain(`reason code "1"`);
    expect(answer.body.message).toContain(`only a debit returned with code "0" (refer to payer)`);
  });

  it("refuses a collection that did not fail (COLLECTION_NOT_FAILED), naming its state", async () => {
    const failed = await failedCollection();
    await retried(failed.staff, failed.collection.id);
    const answer = await expectRefused(
      failed,
      () => retry(failed.staff, failed.collection.id),
      "failed_precondition",
      "COLLECTION_NOT_FAILED",
    );
    expect(answer.body.message).toContain("is PENDING_SUBMISSION");
  });

  it("refuses a date too early, too late or malformed, naming charge_date and the bound", async () => {
    const failed = await failedCollection();
    const { staff, collection } = failed;
    const earliest = addWorkingDays(today(), 10);
    const early = await expectRefused(
      failed,
      () => retry(staff, collection.id, { charge_date: addWorkingDays(today(), 3) }),
      "invalid_argument",
      "charge_date",
    );
    expect(early.body.message).toContain(`the earliest is ${earliest}`);
    const lastDay = retryWindowEnd(collection.chargeDate);
    const late = await expectRefused(
      failed,
      () => retry(staff, collection.id, { charge_date: addDays(collection.chargeDate, 40) }),
      "invalid_argument",
      "charge_date",
    );
    expect(late.body.message).toContain(`so the last day is ${lastDay}`);
    await expectRefused(
      failed,
      () => retry(staff, collection.id, { charge_date: "2027-02-30" }),
      "invalid_argument",
      "charge_date",
    );
  });

  it("refuses once even the earliest date is more than a month after the first charge date (RETRY_WINDOW_PASSED)", async () => {
    const failed = await failedCollection();
    advanceTo(addDays(failed.collection.chargeDate, 20));
    const staff = await signedIn(failed.staff);
    const answer = await expectRefused(
      { ...failed, staff },
      () => retry(staff, failed.collection.id),
      "failed_precondition",
      "RETRY_WINDOW_PASSED",
    );
    expect(answer.body.message).toContain(`first charged on ${failed.collection.chargeDate}`);
  });

  it("refuses a day the mandate is already charged on, naming the collection; the default date skips it", async () => {
    const failed = await failedCollection();
    const { staff, mandate, collection } = failed;
    const earliest = addWorkingDays(today(), 10);
    const other = await createSchedule(server, staff, onePayment(mandate.id, "5000", earliest));
    const listed = await rest(server, "GET", `/v1/collections?schedule_id=${other.id}`, staff.secret);
    const taker = (listed.body.collections as CollectionJson[])[0]!;
    expect(taker.chargeDate).toBe(earliest);
    const answer = await expectRefused(
      failed,
      () => retry(staff, collection.id, { charge_date: earliest }),
      "invalid_argument",
      "charge_date",
    );
    expect(answer.body.message).toContain(`taken by collection ${taker.id}`);
    const got = await retried(staff, collection.id);
    expect(got.chargeDate).toBe(addWorkingDays(earliest, 1));
  });

  it.each([
    ["suspended", "suspend"],
    ["cancelled", "cancel"],
  ])("refuses when the mandate was %s since (MANDATE_NOT_ACTIVE)", async (_done, action) => {
    const failed = await failedCollection();
    const done = await rest(server, "POST", `/v1/mandates/${failed.mandate.id}:${action}`, failed.staff.secret, {});
    expect(done.status).toBe(200);
    await expectRefused(
      failed,
      () => retry(failed.staff, failed.collection.id),
      "failed_precondition",
      "MANDATE_NOT_ACTIVE",
    );
  });

  it("is for signed-in admins and members: a key gets PERMISSION_DENIED, a viewer ROLE_REQUIRED, another organisation NOT_FOUND", async () => {
    const failed = await failedCollection();
    const { staff, collection } = failed;
    await expectRefused(
      failed,
      () => rest(server, "POST", `/v1/collections/${collection.id}:retry`, staff.secret, {}),
      "permission_denied",
      "",
    );
    const viewer = await newSignedInUser(server, staff.organisationId, "viewer");
    const byViewer = await expectRefused(
      failed,
      () => retry(staff, collection.id, {}, viewer.cookie),
      "permission_denied",
      "",
    );
    expect(reasonOf(byViewer)).toBe("ROLE_REQUIRED");
    const stranger = await sandboxStaff();
    await expectRefused(failed, () => retry(stranger, collection.id), "not_found", "");
  });

  it("leaves the email to an organisation that sends its own notices, and tells it to", async () => {
    const failed = await failedCollection();
    const em = server.admin.em.fork();
    const organisation = await em.findOneOrFail(Organisation, failed.staff.organisationId);
    organisation.payerNoticesBy = "ORGANISATION";
    await em.flush();
    const emails = (await emailsTo(server, failed.mandate.payer.email)).length;
    const got = await retried(failed.staff, failed.collection.id);
    expect((await emailsTo(server, failed.mandate.payer.email)).length).toBe(emails);
    const notices = await rest(
      server,
      "GET",
      `/v1/notifications?mandate_id=${failed.mandate.id}&type=NOTIFICATION_TYPE_ADVANCE_NOTICE`,
      failed.staff.secret,
    );
    const about = (notices.body.notifications as { collectionId: string; message: string }[]).filter(
      (n) => n.collectionId === failed.collection.id && n.message.includes("collected again"),
    );
    expect(about).toHaveLength(1);
    expect(about[0]!.message).toContain(
      `Send the payer advance notice today: £1250.00 collected again on ${got.chargeDate}`,
    );
  });
});

describe("a collection presented again", () => {
  it("is submitted, confirmed and paid out by Bacs processing on its new dates", async () => {
    const { staff, collection } = await failedCollection();
    const got = await retried(staff, collection.id);
    const stateOn = async (day: string) => {
      await server.app.processor.runOnce(new Date(`${day}T10:00:00Z`));
      return (await rest(server, "GET", `/v1/collections/${collection.id}`, staff.secret)).body as RetriedJson;
    };
    expect((await stateOn(addWorkingDays(submissionDateFor(got.chargeDate), -1))).state).toBe(
      "COLLECTION_STATE_PENDING_SUBMISSION",
    );
    expect((await stateOn(submissionDateFor(got.chargeDate))).state).toBe("COLLECTION_STATE_SUBMITTED");
    expect((await stateOn(got.chargeDate)).state).toBe("COLLECTION_STATE_CONFIRMED");
    const paid = await stateOn(addWorkingDays(got.chargeDate, 1));
    expect(paid).toMatchObject({ state: "COLLECTION_STATE_PAID_OUT", retryCount: 1, chargeDate: got.chargeDate });
    expect(paid.paidOutTime).toBeDefined();
  });

  it("after a late return of a paid-out collection, is paid out again in the sandbox, with a new paid_out_time", async () => {
    const staff = await sandboxStaff();
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const schedule = await createSchedule(server, staff, onePayment(mandate.id, "9900"));
    const listed = await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, staff.secret);
    const id = (listed.body.collections as CollectionJson[])[0]!.id;
    const firstPaid = await simulate(staff, id, "PAY");
    const late = await simulate(staff, id, "LATE_FAIL", "0");
    expect(late).toMatchObject({ state: "COLLECTION_STATE_FAILED", paidOutTime: firstPaid.paidOutTime });
    await retried(staff, id);
    clock.advance(60_000);
    const again = await simulate(staff, id, "PAY");
    expect(again.state).toBe("COLLECTION_STATE_PAID_OUT");
    expect(Date.parse(again.paidOutTime!)).toBeGreaterThan(Date.parse(firstPaid.paidOutTime!));
  });
});

describe("a re-presentation whose notice could not be sent", () => {
  it("is not moved past the scheme's month: it is cancelled, and the payer told it will not be collected", async () => {
    const failed = await failedCollection();
    const limit = retryWindowEnd(failed.collection.originalChargeDate);
    let lastDay = limit;
    while (!isWorkingDay(lastDay)) lastDay = addDays(lastDay, -1);
    relay.down = true;
    try {
      const again = await retried(failed.staff, failed.collection.id, { charge_date: lastDay });
      expect(again.chargeDate).toBe(lastDay);
      const inputDay = submissionDateFor(lastDay);
      advanceTo(inputDay);
      await server.app.processor.runOnce();
    } finally {
      relay.down = false;
    }
    const after = await rest(server, "GET", `/v1/collections/${failed.collection.id}`, failed.staff.secret);
    expect(after.body).toMatchObject({ state: "COLLECTION_STATE_CANCELLED", chargeDate: lastDay });
    clock.advance(6 * 3_600_000);
    await server.app.payerEmails.sweep();
    const told = (await emailsTo(server, failed.mandate.payer.email)).at(-1);
    expect(told?.subject).toMatch(/will not be collected$/);
  });
});
