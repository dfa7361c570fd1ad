/**
 * Input PostgreSQL or the Bacs calendar cannot take, refused up front on a real server: control
 * characters (NUL above all) in metadata, reasons and names answer 400 naming the field, not a 500
 * from the database; schedule dates past the bank-holiday calendar answer 400, not a RangeError.
 * Also next_possible_charge_date, which depends on the same calendar. The server runs on this file's
 * TestClock, so today here is today there, even across midnight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countWorkingDays,
  DEFAULT_ADVANCE_NOTICE_WORKING_DAYS,
  isWorkingDay,
} from "../src/modules/calendar/bacs-calendar.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { chargeDateOf } from "../src/modules/collections/schedule-plan.js";
import { createSchedule, sessionRest, withAdmin } from "./support/collections.js";
import {
  createMandate,
  type MandateJson,
  mandateIn,
  newTenant,
  rest,
  type StateName,
  type Tenant,
  violationsOf,
} from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();
let tenant: Tenant;

beforeAll(async () => {
  server = await startTestServer({ clock });
  tenant = await newTenant(server);
});
afterAll(async () => server?.close());

const nul = "\u0000";

describe("control characters", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["a NUL in a metadata value", { metadata: { tenancy: `T${nul}1` } }, "mandate.metadata"],
    ["a NUL in a metadata key", { metadata: { [`ten${nul}ancy`]: "T-1" } }, "mandate.metadata"],
    ["an escape in a metadata value", { metadata: { tenancy: "T\u001b[31m" } }, "mandate.metadata"],
    ["a NUL in the payer name", { payer: { name: `Jane${nul}`, email: "jane@example.com" } }, "mandate.payer.name"],
    ["a NUL in the reference", { reference: `FLAT${nul}4B RENT` }, "mandate.reference"],
  ])("CreateMandate refuses %s with 400 naming the field", async (_, fields, field) => {
    const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: { name: "Jane Payer", email: "jane@example.com" },
      ...fields,
    });
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toEqual([field]);
  });

  it("keeps tab and line breaks in metadata values and reasons (free text)", async () => {
    const mandate = await createMandate(server, tenant, { metadata: { note: "line 1\r\nline 2\tend" } });
    expect(mandate.metadata).toEqual({ note: "line 1\r\nline 2\tend" });
    const suspended = await rest(
      server,
      "POST",
      `/v1/mandates/${(await mandateIn(server, tenant, "ACTIVE")).id}:suspend`,
      tenant.secret,
      { reason: "Payer asked\nby phone" },
    );
    expect(suspended.status).toBe(200);
  });

  it("UpdateMandate refuses a NUL in metadata with 400 naming the field", async () => {
    const mandate = await createMandate(server, tenant);
    const answer = await rest(server, "PATCH", `/v1/mandates/${mandate.id}?update_mask=metadata`, tenant.secret, {
      metadata: { a: nul },
    });
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toEqual(["mandate.metadata"]);
  });

  it.each<[string, StateName]>([
    ["cancel", "ACTIVE"],
    ["suspend", "ACTIVE"],
    ["reactivate", "SUSPENDED"],
    ["resendInvite", "PENDING_CUSTOMER_APPROVAL"],
  ])("%s refuses a NUL in the reason with 400 naming reason", async (action, state) => {
    const mandate = await mandateIn(server, tenant, state);
    const answer = await rest(server, "POST", `/v1/mandates/${mandate.id}:${action}`, tenant.secret, {
      reason: `moved${nul}out`,
    });
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toEqual(["reason"]);
  });

  it.each<[string, string, string]>([
    ["GET", "/v1/mandates?reference=AB%00CDEF", "reference"],
    ["GET", "/v1/mandates?payer_email=a%00@example.com", "payer_email"],
    ["GET", "/v1/mandates/MD%00", "mandate_id"],
    ["POST", "/v1/mandates/MD%00:cancel", "mandate_id"],
    ["PATCH", "/v1/mandates/MD%00?update_mask=metadata", "mandate.id"],
  ])("%s %s (a NUL in an id or filter) answers 400 naming %s", async (method, path, field) => {
    const answer = await rest(server, method, path, tenant.secret, method === "GET" ? undefined : {});
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toEqual([field]);
  });

  it("CreateCollectionSchedule and CancelCollectionSchedule refuse a NUL in metadata and reason", async () => {
    const staff = await withAdmin(server, await newTenant(server));
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const fields = {
      mandate_id: mandate.id,
      amount_minor: "125000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: londonDate(clock.now()),
    };
    const created = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, {
      ...fields,
      metadata: { tenancy: nul },
    });
    expect(created.status).toBe(400);
    expect(violationsOf(created)).toEqual(["schedule.metadata"]);

    const schedule = await createSchedule(server, staff, fields);
    const cancelled = await sessionRest(server, "POST", `/v1/collectionSchedules/${schedule.id}:cancel`, staff.cookie, {
      reason: nul,
    });
    expect(cancelled.status).toBe(400);
    expect(violationsOf(cancelled)).toEqual(["reason"]);
  });
});

describe("a NUL anywhere else", () => {
  it.each([
    ["GET", "/v1/collections?mandate_id=MD%00"],
    ["GET", "/v1/collections?schedule_id=CS%00"],
    ["GET", "/v1/alerts/AL%00"],
    ["GET", "/v1/notifications?mandate_id=MD%00"],
  ])("%s %s answers 400 INVALID_ARGUMENT, not a 500", async (method, path) => {
    const answer = await rest(server, method, path, tenant.secret);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.code).toBe("invalid_argument");
  });
});

describe("schedule dates past the bank-holiday calendar", () => {
  it.each<[Record<string, unknown>, string]>([
    [{ start_date: "2101-01-01" }, "schedule.start_date"],
    [{ start_date: "2100-06-01" }, "schedule.start_date"],
    [{ end_date: "2101-01-01" }, "schedule.end_date"],
  ])("CreateCollectionSchedule refuses %j with 400 naming the field", async (dates, field) => {
    const staff = await withAdmin(server, await newTenant(server));
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const answer = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, {
      mandate_id: mandate.id,
      amount_minor: "125000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: londonDate(clock.now()),
      ...dates,
    });
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toEqual([field]);
  });

  it("still takes the last allowed start date, 2099-12-31", async () => {
    const staff = await withAdmin(server, await newTenant(server));
    const mandate = await mandateIn(server, staff, "ACTIVE");
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "100",
      interval_unit: "INTERVAL_UNIT_WEEKLY",
      start_date: "2099-12-31",
    });
    expect(schedule.nextChargeDate! >= "2099-12-31").toBe(true);
  });
});

describe("next_possible_charge_date", () => {
  it.each<StateName>(["PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED", "ACTIVE"])(
    "is a Bacs working day at least the notice period ahead for a %s mandate",
    async (state) => {
      const mandate = (await mandateIn(server, tenant, state)) as MandateJson & { nextPossibleChargeDate?: string };
      const today = londonDate(clock.now());
      const date = mandate.nextPossibleChargeDate!;
      expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(isWorkingDay(date)).toBe(true);
      // Notice sent today takes 10 working days; a mandate being set up may wait longer still.
      expect(countWorkingDays(today, date)).toBeGreaterThanOrEqual(DEFAULT_ADVANCE_NOTICE_WORKING_DAYS);
      const notice = { sentOn: today, workingDays: DEFAULT_ADVANCE_NOTICE_WORKING_DAYS };
      expect(date).toBe(chargeDateOf(today, state, today, notice));
      // ListMandates shows the same date.
      const listed = await rest(server, "GET", `/v1/mandates?reference=${mandate.reference}`, tenant.secret);
      expect(listed.body.mandates[0].nextPossibleChargeDate).toBe(date);
    },
  );

  it.each<StateName>(["SUSPENDED", "CANCELLED", "FAILED", "EXPIRED"])("is empty for a %s mandate", async (state) => {
    const mandate = (await mandateIn(server, tenant, state)) as MandateJson & { nextPossibleChargeDate?: string };
    expect(mandate.nextPossibleChargeDate).toBeUndefined();
  });
});
