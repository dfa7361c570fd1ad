/**
 * Tenancy of alerts, notifications and reports, randomised (issue 6): two sandbox organisations A
 * and B on one real server, each with a history (active and payer-cancelled mandates, paid, failed
 * and charged-back collections, the alerts they raised, thresholds, notifications). A fast-check
 * property (500 runs) makes REST calls of every AlertService and ReportService RPC as either
 * organisation, on ids of either, and checks after every call:
 * - nothing answers 5xx;
 * - an id of the other organisation answers NOT_FOUND (404), as a missing one does, and a write on
 *   it changes nothing there (its update_time in the database);
 * - no response contains an id of the other organisation (alerts, thresholds, notifications,
 *   mandates, collections, the organisation), except one the caller sent itself; as a filter
 *   (mandate_id) it gives an empty page;
 * - report totals equal the caller's own collections (read from the database), so the other
 *   organisation's collections never count.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { type CollectionJson, createSchedule, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { createMandate, type RestAnswer, rest } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

type OrgName = "A" | "B";
interface Party {
  organisationId: string;
  secret: string;
}
type Kind = "alerts" | "thresholds" | "notifications" | "mandates" | "collections";

let server: TestServer;
const parties = {} as Record<OrgName, Party>;
/** What each organisation owns, from the database. */
const owned: Record<OrgName, Record<Kind, string[]>> = {
  A: { alerts: [], thresholds: [], notifications: [], mandates: [], collections: [] },
  B: { alerts: [], thresholds: [], notifications: [], mandates: [], collections: [] },
};
/** Each organisation's collections (charge date, state), for the report totals. */
const collectionsOf: Record<OrgName, { chargeDate: string; state: string }[]> = { A: [], B: [] };
/** The server's clock: today here is today there, even across midnight. */
const clock = new TestClock();
const today = londonDate(clock.now());

async function ok(answer: Promise<RestAnswer>): Promise<any> {
  const got = await answer;
  if (got.status !== 200) throw new Error(`expected 200, got ${got.status} ${JSON.stringify(got.body)}`);
  return got.body;
}

async function setUp(): Promise<Party> {
  const organisationId = await newOrganisation(server, true);
  await server.admin.em
    .fork()
    .nativeUpdate(Organisation, { id: organisationId }, { rateLimitPerMinute: 10_000_000, rateLimitBurst: 1_000_000 });
  const { secret } = await newApiKey(server, organisationId);
  const party = { organisationId, secret };
  const staff = await withAdmin(server, party);
  // Every failed collection raises its own alert, so there are several alerts per organisation.
  const thresholds = (await ok(rest(server, "GET", "/v1/alertThresholds", secret))).alertThresholds as any[];
  const single = thresholds.find((t) => t.type === "ALERT_TYPE_COLLECTION_FAILED");
  await ok(rest(server, "PATCH", `/v1/alertThresholds/${single.id}?update_mask=enabled`, secret, { enabled: true }));
  const simulate = (kind: "mandates" | "collections", id: string, scenario: string) =>
    ok(
      rest(server, "POST", `/v1/sandbox/${kind}/${id}:simulate`, secret, {
        scenario: `${kind === "mandates" ? "MANDATE" : "COLLECTION"}_SCENARIO_${scenario}`,
      }),
    );
  for (let m = 0; m < 2; m++) {
    const mandate = await createMandate(server, party);
    await simulate("mandates", mandate.id, "ACTIVATE");
    for (let i = 0; i < 3; i++) {
      await createSchedule(server, staff, {
        mandate_id: mandate.id,
        amount_minor: String(10_000 * (i + 1)),
        interval_unit: "INTERVAL_UNIT_MONTHLY",
        start_date: addDays(today, 7 * i),
      });
    }
    const collections = (await ok(rest(server, "GET", `/v1/collections?mandate_id=${mandate.id}`, secret)))
      .collections as CollectionJson[];
    await simulate("collections", collections[0]!.id, "PAY");
    await simulate("collections", collections[0]!.id, "CHARGE_BACK");
    await simulate("collections", collections[1]!.id, "FAIL");
  }
  const cancelled = await createMandate(server, party);
  await simulate("mandates", cancelled.id, "ACTIVATE");
  await simulate("mandates", cancelled.id, "CANCEL_BY_PAYER");
  return party;
}

async function readOwnership(): Promise<void> {
  const db = server.admin.em.fork().getConnection();
  const rows = await db.execute<{ kind: Kind; id: string; organisation_id: string }[]>(
    `select 'alerts' as kind, id, organisation_id from alert union all select 'thresholds', id, organisation_id from alert_threshold
     union all select 'notifications', id, organisation_id from notification union all select 'mandates', id, organisation_id from mandate
     union all select 'collections', id, organisation_id from collection`,
  );
  for (const org of ["A", "B"] as const) for (const kind of Object.keys(owned[org]) as Kind[]) owned[org][kind] = [];
  for (const row of rows) {
    const org =
      row.organisation_id === parties.A.organisationId
        ? "A"
        : row.organisation_id === parties.B.organisationId
          ? "B"
          : undefined;
    if (org) owned[org][row.kind].push(row.id);
  }
  for (const org of ["A", "B"] as const) {
    collectionsOf[org] = (
      await db.execute<{ charge_date: string; state: string }[]>(
        `select charge_date, state from collection where organisation_id = ?`,
        [parties[org].organisationId],
      )
    ).map((r) => ({ chargeDate: r.charge_date, state: r.state }));
  }
}

beforeAll(async () => {
  server = await startTestServer({ clock, rateLimit: { sessionPerMinute: 10_000_000, sessionBurst: 1_000_000 } });
  parties.A = await setUp();
  parties.B = await setUp();
  await readOwnership();
}, 120_000);
afterAll(async () => server?.close());

const commands = [
  "ListAlerts",
  "GetAlert",
  "AcknowledgeAlert",
  "ResolveAlert",
  "ListAlertThresholds",
  "UpdateAlertThreshold",
  "ListNotifications",
  "GetCollectionReport",
  "GetSuccessRates",
  "ListClawbacks",
] as const;
type CommandName = (typeof commands)[number];

interface Command {
  name: CommandName;
  caller: OrgName;
  owner: OrgName;
  pick: number;
  withFilter: boolean;
  interval: "DAY" | "WEEK" | "MONTH";
  span: number;
}

const commandArb: fc.Arbitrary<Command> = fc.record({
  name: fc.constantFrom(...commands),
  caller: fc.constantFrom<OrgName>("A", "B"),
  owner: fc.constantFrom<OrgName>("A", "B"),
  pick: fc.nat(),
  withFilter: fc.boolean(),
  interval: fc.constantFrom("DAY" as const, "WEEK" as const, "MONTH" as const),
  span: fc.integer({ min: 0, max: 120 }),
});

const idPattern = /\b(?:AL|AT|NT|MD|CL|CS|OR)[0-9A-Z]{26}\b/g;
const other = (org: OrgName): OrgName => (org === "A" ? "B" : "A");

async function updateTimeOf(table: "alert" | "alert_threshold", id: string): Promise<string> {
  const [row] = await server.admin.em
    .fork()
    .getConnection()
    .execute<{ t: string }[]>(`select update_time::text as t from ${table} where id = ?`, [id]);
  return row!.t;
}

/** run makes one call and checks it; it returns nothing, failing with the call in the message. */
async function run(command: Command): Promise<void> {
  const { caller, owner } = command;
  const secret = parties[caller].secret;
  const pickFrom = (kind: Kind) => {
    const ids = owned[owner][kind];
    return ids[command.pick % ids.length]!;
  };
  const from = addDays(today, -command.span);
  const to = addDays(today, command.span);
  let line = "";
  let target: string | undefined;
  let answer: RestAnswer;
  let before: string | undefined;
  switch (command.name) {
    case "ListAlerts":
      line = `GET /v1/alerts${command.withFilter ? "?state=ALERT_STATE_OPEN&type=ALERT_TYPE_COLLECTION_FAILED" : ""}`;
      break;
    case "GetAlert":
      target = pickFrom("alerts");
      line = `GET /v1/alerts/${target}`;
      break;
    case "AcknowledgeAlert":
    case "ResolveAlert":
      target = pickFrom("alerts");
      line = `POST /v1/alerts/${target}:${command.name === "AcknowledgeAlert" ? "acknowledge" : "resolve"}`;
      before = await updateTimeOf("alert", target);
      break;
    case "ListAlertThresholds":
      line = "GET /v1/alertThresholds";
      break;
    case "UpdateAlertThreshold":
      target = pickFrom("thresholds");
      line = `PATCH /v1/alertThresholds/${target}?update_mask=count`;
      before = await updateTimeOf("alert_threshold", target);
      break;
    case "ListNotifications":
      target = command.withFilter ? pickFrom("mandates") : undefined;
      line = `GET /v1/notifications${target ? `?mandate_id=${target}` : ""}`;
      break;
    case "GetCollectionReport":
      line = `GET /v1/reports/collections?from=${from}&to=${to}&interval=REPORT_INTERVAL_${command.interval}`;
      break;
    case "GetSuccessRates":
      line = `GET /v1/reports/successRates?from=${from}&to=${to}&interval=REPORT_INTERVAL_${command.interval}`;
      break;
    case "ListClawbacks":
      line = `GET /v1/reports/clawbacks${command.withFilter ? `?from=${from}&to=${to}` : ""}`;
      break;
  }
  const [method, path] = line.split(" ") as [string, string];
  const body =
    method === "GET"
      ? undefined
      : command.name === "UpdateAlertThreshold"
        ? { count: 1 + (command.pick % 9) }
        : { note: "isolation" };
  answer = await rest(server, method, path, secret, body);
  const text = JSON.stringify(answer.body ?? null);
  const where = `${caller} → ${line}: ${answer.status} ${text.slice(0, 300)}`;

  expect(answer.status, where).toBeLessThan(500);
  const foreign = new Set([...Object.values(owned[other(caller)]).flat(), parties[other(caller)].organisationId]);
  for (const id of text.match(idPattern) ?? []) {
    if (id === target) continue;
    expect(foreign.has(id), `${where} leaks ${id}`).toBe(false);
  }
  if (target && owner !== caller) {
    if (command.name === "ListNotifications") {
      expect(answer.status, where).toBe(200);
      expect(answer.body.notifications ?? [], where).toEqual([]);
    } else {
      expect(answer.status, where).toBe(404);
    }
    if (before !== undefined) {
      expect(
        await updateTimeOf(command.name === "UpdateAlertThreshold" ? "alert_threshold" : "alert", target),
        where,
      ).toBe(before);
    }
  } else if (target && command.name === "GetAlert") {
    expect(answer.status, where).toBe(200);
  }
  if (command.name === "GetCollectionReport" || command.name === "GetSuccessRates") {
    expect(answer.status, where).toBe(200);
    const mine = collectionsOf[caller].filter((c) => c.chargeDate >= from && c.chargeDate <= to);
    if (command.name === "GetCollectionReport") {
      expect(Number(answer.body.total.count ?? 0), where).toBe(mine.length);
    } else {
      const count = (...states: string[]) => mine.filter((c) => states.includes(c.state)).length;
      expect(Number(answer.body.total.paidCount ?? 0), where).toBe(count("CONFIRMED", "PAID_OUT"));
      expect(Number(answer.body.total.failedCount ?? 0), where).toBe(count("FAILED"));
      expect(Number(answer.body.total.chargedBackCount ?? 0), where).toBe(count("CHARGED_BACK"));
    }
  }
  if (answer.status === 200 && !target) {
    // Lists of the caller's own resources are not empty, so the checks above are not vacuous.
    const list =
      command.name === "ListAlerts"
        ? answer.body.alerts
        : command.name === "ListAlertThresholds"
          ? answer.body.alertThresholds
          : undefined;
    if (list !== undefined && !command.withFilter) expect(list.length, where).toBeGreaterThan(0);
  }
}

describe("alerts, notifications and reports are tenant-isolated", () => {
  it("setup gave each organisation alerts, thresholds, notifications and clawbacks of its own", () => {
    for (const org of ["A", "B"] as const) {
      expect(owned[org].alerts.length).toBeGreaterThanOrEqual(3);
      expect(owned[org].thresholds).toHaveLength(5);
      expect(owned[org].notifications.length).toBeGreaterThan(10);
      expect(collectionsOf[org].filter((c) => c.state === "CHARGED_BACK")).toHaveLength(2);
    }
  });

  it("500 random calls of every AlertService and ReportService RPC, by either organisation, on either's ids", async () => {
    await fc.assert(fc.asyncProperty(commandArb, run), { numRuns: 500 });
    const seen = new Set<CommandName>();
    for (const c of fc.sample(commandArb, 500)) seen.add(c.name);
    expect(seen.size).toBe(commands.length);
  }, 120_000);
});
