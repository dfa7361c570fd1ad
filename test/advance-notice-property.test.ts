/**
 * The advance-notice property (issue 13): for any schedule, start date, notice period, mandate
 * state and sequence of what staff (amount and end-date changes, pauses, resumes, one-off
 * collections, retries of returns, cancellation), payers' banks (suspensions and their undoing,
 * unpaid returns) and time do, every collection is charged on a
 * Bacs working day no sooner than the organisation's notice period (in working days, bank holidays
 * included) after the notice that announced its amount and date, that notice is in the feed of the
 * day it says, and the schedule never charges twice in one day. A real server with its own clock runs
 * Bacs processing every day the clock passes; the clock only moves forward, so the runs together
 * cover years of calendars.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countWorkingDays, isWorkingDay } from "../src/modules/calendar/bacs-calendar.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { Collection } from "../src/modules/collections/collection.entity.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { sessionRest, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { mandateIn, rest, type Tenant } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();

/** moveTo sets the clock to 09:00 UTC of `day` (the same date in London, summer or winter). */
const moveTo = (day: string) => clock.advance(Date.parse(`${day}T09:00:00Z`) - clock.now().getTime());

beforeAll(async () => {
  // From late 2027: the first runs cross Christmas and New Year.
  moveTo("2027-11-29");
  server = await startTestServer({ clock, withoutRedis: true });
});
afterAll(() => server?.close());

type Step =
  | { kind: "days"; days: number }
  | { kind: "suspend" | "reactivate" | "cancel" | "pause" | "resume" }
  | { kind: "amount"; amountMinor: number }
  | { kind: "end date" | "one-off" | "fail and retry"; inDays: number | null };

const inDays = fc.option(fc.integer({ min: 0, max: 40 }), { nil: null });
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("days" as const), days: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom("suspend", "reactivate", "pause", "resume" as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "cancel" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("amount" as const), amountMinor: fc.integer({ min: 1, max: 9_999_99 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constantFrom("end date", "one-off", "fail and retry" as const), inDays }),
  },
);

const scenarioArbitrary = fc.record({
  noticeWorkingDays: fc.integer({ min: 3, max: 15 }),
  mandateState: fc.constantFrom("PENDING_SUBMISSION" as const, "SUBMITTED" as const, "ACTIVE" as const),
  daysBefore: fc.integer({ min: 0, max: 9 }),
  startInDays: fc.integer({ min: 0, max: 30 }),
  plan: fc.oneof(
    fc.record({
      interval_unit: fc.constant("INTERVAL_UNIT_MONTHLY"),
      interval: fc.integer({ min: 1, max: 2 }),
      day_of_month: fc.constantFrom(1, 5, 15, 28, -1),
    }),
    fc.record({ interval_unit: fc.constant("INTERVAL_UNIT_WEEKLY"), interval: fc.integer({ min: 1, max: 2 }) }),
  ),
  count: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  steps: fc.array(stepArbitrary, { minLength: 1, maxLength: 10 }),
});

type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** passDays moves the clock day by day, running Bacs processing on each, as production does. */
async function passDays(days: number): Promise<void> {
  for (let i = 0; i < days; i++) {
    clock.advance(86_400_000);
    await server.app.processor.runOnce(clock.now());
  }
}

/** play runs one scenario in a fresh organisation and returns what the invariants look at. */
async function play(scenario: Scenario) {
  await passDays(scenario.daysBefore);
  // A sandbox organisation: its payers' banks return collections unpaid when the test says so.
  const organisationId = await newOrganisation(server, true);
  await server.admin.em
    .fork()
    .nativeUpdate(Organisation, { id: organisationId }, { advanceNoticeWorkingDays: scenario.noticeWorkingDays });
  const tenant: Tenant = { organisationId, secret: (await newApiKey(server, organisationId)).secret };
  const mandate = await mandateIn(server, tenant, scenario.mandateState);
  const staff = await withAdmin(server, tenant);
  const created = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, {
    mandate_id: mandate.id,
    amount_minor: "12500",
    start_date: addDays(londonDate(clock.now()), scenario.startInDays),
    ...scenario.plan,
    ...(scenario.count === undefined ? {} : { count: scenario.count }),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const scheduleId = (created.body as { id: string }).id;
  for (const step of scenario.steps) {
    if (step.kind === "days") {
      await passDays(step.days);
      continue;
    }
    // What a state or a date does not allow is refused (400), never a 500.
    const answer = await take(step, tenant, mandate.id, scheduleId);
    if (answer) expect([200, 400], `${step.kind}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
  }
  const em = scopeToOrganisation(server.admin.em.fork(), organisationId);
  const collections = await em.find(Collection, { mandate: mandate.id }, { orderBy: { chargeDate: "asc" } });
  const notices = await em.find(Notification, { type: "payer.advance_notice" });
  // Close the mandate: later runs' processing has nothing of this one left to do.
  await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, tenant.secret, {});
  return { collections, notices };
}

/** take makes one step's call; undefined when the step finds nothing to act on. */
async function take(step: Exclude<Step, { kind: "days" }>, tenant: Tenant, mandateId: string, scheduleId: string) {
  const staff = async (method: string, path: string, body: unknown = {}) =>
    sessionRest(server, method, path, (await withAdmin(server, tenant)).cookie, body);
  const dayIn = (days: number | null) => (days === null ? "" : addDays(londonDate(clock.now()), days));
  switch (step.kind) {
    case "suspend":
    case "reactivate":
      return rest(server, "POST", `/v1/mandates/${mandateId}:${step.kind}`, tenant.secret, {});
    case "cancel":
    case "pause":
    case "resume":
      return staff("POST", `/v1/collectionSchedules/${scheduleId}:${step.kind}`);
    case "amount":
      return staff("PATCH", `/v1/collectionSchedules/${scheduleId}?update_mask=amount_minor`, {
        amount_minor: String(step.amountMinor),
      });
    case "end date":
      return staff("PATCH", `/v1/collectionSchedules/${scheduleId}?update_mask=end_date`, {
        end_date: dayIn(step.inDays),
      });
    case "one-off":
      return staff("POST", "/v1/collections", {
        mandate_id: mandateId,
        amount_minor: "4250",
        charge_date: dayIn(step.inDays),
      });
    case "fail and retry": {
      const listed = await rest(server, "GET", `/v1/collections?mandate_id=${mandateId}`, tenant.secret);
      const presented = (listed.body.collections ?? []).find((c: { state: string }) =>
        ["COLLECTION_STATE_SUBMITTED", "COLLECTION_STATE_CONFIRMED"].includes(c.state),
      );
      if (!presented) return undefined;
      const failed = await rest(server, "POST", `/v1/sandbox/collections/${presented.id}:simulate`, tenant.secret, {
        scenario:
          presented.state === "COLLECTION_STATE_SUBMITTED"
            ? "COLLECTION_SCENARIO_FAIL"
            : "COLLECTION_SCENARIO_LATE_FAIL",
        reason_code: "0",
      });
      expect(failed.status, JSON.stringify(failed.body)).toBe(200);
      return staff("POST", `/v1/collections/${presented.id}:retry`, { charge_date: dayIn(step.inDays) });
    }
  }
}

describe("advance notice, as a property", () => {
  it("never charges before the notice period since the notice, nor a schedule twice in a day", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const { collections, notices } = await play(scenario);
        const noticeDays = new Set(notices.map((n) => londonDate(n.createTime)));
        // Returned unpaid ones were not charged (a retried one is charged on its new date).
        const charged = collections.filter((c) => c.state !== "CANCELLED" && c.state !== "FAILED");
        for (const c of charged) {
          const what = `${c.id} charged ${c.chargeDate}, noticed ${c.noticeDate}`;
          expect(isWorkingDay(c.chargeDate), what).toBe(true);
          expect(countWorkingDays(c.noticeDate, c.chargeDate), what).toBeGreaterThanOrEqual(scenario.noticeWorkingDays);
          expect(noticeDays.has(c.noticeDate), `${what}: no notice that day`).toBe(true);
        }
        // The schedule never charges twice in one day; a one-off or a retry takes no day already taken.
        const days = charged.filter((c) => c.schedule).map((c) => c.chargeDate);
        expect(new Set(days).size, days.join(" ")).toBe(days.length);
      }),
      { numRuns: 16, endOnFailure: true },
    );
  }, 600_000);
});
