/**
 * The advance-notice property (issue 13): for any schedule, start date, notice period, mandate
 * state and sequence of what staff, payers' banks and time do, every collection is charged on a
 * Bacs working day no sooner than the organisation's notice period (in working days, bank holidays
 * included) after the notice that announced its amount and date, that notice is in the feed of the
 * day it says, and no day is charged twice under one mandate. A real server with its own clock runs
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

type Step = { kind: "days"; days: number } | { kind: "suspend" } | { kind: "reactivate" } | { kind: "cancel schedule" };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("days" as const), days: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "suspend" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reactivate" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "cancel schedule" as const }) },
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
  steps: fc.array(stepArbitrary, { minLength: 1, maxLength: 6 }),
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
  const organisationId = await newOrganisation(server);
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
    // Writes a state does not allow are refused (400 FAILED_PRECONDITION): never a 500.
    const answer =
      step.kind === "cancel schedule"
        ? await sessionRest(
            server,
            "POST",
            `/v1/collectionSchedules/${scheduleId}:cancel`,
            (await withAdmin(server, tenant)).cookie,
            {},
          )
        : await rest(server, "POST", `/v1/mandates/${mandate.id}:${step.kind}`, tenant.secret, {});
    expect([200, 400], JSON.stringify(answer.body)).toContain(answer.status);
  }
  const em = scopeToOrganisation(server.admin.em.fork(), organisationId);
  const collections = await em.find(Collection, { mandate: mandate.id }, { orderBy: { chargeDate: "asc" } });
  const notices = await em.find(Notification, { type: "payer.advance_notice" });
  // Close the mandate: later runs' processing has nothing of this one left to do.
  await rest(server, "POST", `/v1/mandates/${mandate.id}:cancel`, tenant.secret, {});
  return { collections, notices };
}

describe("advance notice, as a property", () => {
  it("never charges before the notice period since the notice, nor twice in a day", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const { collections, notices } = await play(scenario);
        const noticeDays = new Set(notices.map((n) => londonDate(n.createTime)));
        const charged = collections.filter((c) => c.state !== "CANCELLED");
        for (const c of charged) {
          const what = `${c.id} charged ${c.chargeDate}, noticed ${c.noticeDate}`;
          expect(isWorkingDay(c.chargeDate), what).toBe(true);
          expect(countWorkingDays(c.noticeDate, c.chargeDate), what).toBeGreaterThanOrEqual(scenario.noticeWorkingDays);
          expect(noticeDays.has(c.noticeDate), `${what}: no notice that day`).toBe(true);
        }
        const days = charged.map((c) => c.chargeDate);
        expect(new Set(days).size, days.join(" ")).toBe(days.length);
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 600_000);
});
