/**
 * AlertService on a real server and real PostgreSQL (issue 6): the default thresholds, updating
 * them (and every refusal, naming the field), alerts raised by sandbox outcomes inside the outcome's
 * transaction — failure rate, clawbacks, payer cancellations, single failed collections — exactly
 * one open alert per condition even under concurrent outcomes, acknowledge and resolve with their
 * scopes, and the notification feed with its filters. The end-to-end story runs over REST and a
 * real @grpc/grpc-js client.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertService, AlertState, AlertType, NotificationType } from "../gen/dd/v1/alerts_pb.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, createSchedule, type Staff, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { createMandate, type MandateJson, type RestAnswer, rest, violationsOf } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
/** The server's clock: today here is today there, even across midnight. */
const clock = new TestClock();
let client: grpc.Client;

beforeAll(async () => {
  server = await startTestServer({ clock });
  client = grpcJsClient(server.port);
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

interface Sandbox extends Staff {
  /** alerts:read only. */
  reader: string;
  /** alerts:read + alerts:write. */
  writer: { id: string; secret: string };
}

async function newSandbox(): Promise<Sandbox> {
  const organisationId = await newOrganisation(server, true);
  const { secret } = await newApiKey(server, organisationId);
  const staff = await withAdmin(server, { organisationId, secret });
  const reader = (await newApiKey(server, organisationId, ["alerts:read"])).secret;
  const writer = await newApiKey(server, organisationId, ["alerts:read", "alerts:write"]);
  return { ...staff, reader, writer };
}

async function ok(answer: Promise<RestAnswer>): Promise<any> {
  const got = await answer;
  if (got.status !== 200) throw new Error(`expected 200, got ${got.status} ${JSON.stringify(got.body)}`);
  return got.body;
}

async function activeMandate(org: Sandbox): Promise<MandateJson> {
  const mandate = await createMandate(server, org);
  return ok(
    rest(server, "POST", `/v1/sandbox/mandates/${mandate.id}:simulate`, org.secret, {
      scenario: "MANDATE_SCENARIO_ACTIVATE",
    }),
  );
}

/** newCollections creates `n` pending collections of `amount` pence under one active mandate (one schedule each). */
async function newCollections(org: Sandbox, n: number, amount = 50_000): Promise<CollectionJson[]> {
  const mandate = await activeMandate(org);
  for (let i = 0; i < n; i++) {
    await createSchedule(server, org, {
      mandate_id: mandate.id,
      amount_minor: String(amount),
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: londonDate(clock.now()),
    });
  }
  const listed = await ok(rest(server, "GET", `/v1/collections?mandate_id=${mandate.id}`, org.secret));
  return listed.collections as CollectionJson[];
}

function simulate(
  org: Sandbox,
  id: string,
  scenario: "PAY" | "FAIL" | "LATE_FAIL" | "CHARGE_BACK",
  reasonCode?: string,
) {
  return ok(
    rest(server, "POST", `/v1/sandbox/collections/${id}:simulate`, org.secret, {
      scenario: `COLLECTION_SCENARIO_${scenario}`,
      ...(reasonCode ? { reasonCode } : {}),
    }),
  );
}

async function thresholds(org: Sandbox): Promise<any[]> {
  return (await ok(rest(server, "GET", "/v1/alertThresholds", org.secret))).alertThresholds;
}

async function thresholdOf(org: Sandbox, type: string): Promise<any> {
  return (await thresholds(org)).find((t) => t.type === `ALERT_TYPE_${type}`);
}

function updateThreshold(org: Sandbox, id: string, body: Record<string, unknown>, mask?: string, secret = org.secret) {
  return rest(server, "PATCH", `/v1/alertThresholds/${id}${mask ? `?update_mask=${mask}` : ""}`, secret, body);
}

async function alerts(org: Sandbox, query = ""): Promise<any[]> {
  return (await ok(rest(server, "GET", `/v1/alerts${query}`, org.reader))).alerts ?? [];
}

describe("alert thresholds", () => {
  it("every new organisation has the five defaults, in AlertType order", async () => {
    const org = await newSandbox();
    const list = await thresholds(org);
    expect(list.map((t) => t.type)).toEqual([
      "ALERT_TYPE_COLLECTION_FAILURE_RATE",
      "ALERT_TYPE_CLAWBACKS",
      "ALERT_TYPE_MANDATE_CANCELLATIONS",
      "ALERT_TYPE_COLLECTION_FAILED",
      "ALERT_TYPE_WEBHOOK_ENDPOINT_DISABLED",
    ]);
    expect(list[0]).toMatchObject({ enabled: true, failureRatePercent: 10, minSampleSize: 20, window: "604800s" });
    expect(list[1]).toMatchObject({ enabled: true, count: 1, window: "2592000s" });
    expect(list[2]).toMatchObject({ enabled: true, count: 5, window: "604800s" });
    expect(list[3].enabled ?? false).toBe(false);
    expect(list[4].enabled).toBe(true);
    for (const t of list) expect(t.id).toMatch(/^AT[0-9A-Z]{26}$/);
  });

  it("updates the fields of the mask, records who, and pages through the list", async () => {
    const org = await newSandbox();
    const rate = await thresholdOf(org, "COLLECTION_FAILURE_RATE");
    const updated = await ok(
      updateThreshold(
        org,
        rate.id,
        { failureRatePercent: 12.5, minSampleSize: 3, count: 99, window: "86400s" },
        "failure_rate_percent,window",
        org.writer.secret,
      ),
    );
    expect(updated).toMatchObject({
      id: rate.id,
      failureRatePercent: 12.5,
      minSampleSize: 20,
      window: "86400s",
      updatedBy: org.writer.id,
    });
    expect(updated.count).toBe(rate.count);
    const first = await ok(rest(server, "GET", "/v1/alertThresholds?page_size=3", org.secret));
    expect(first.alertThresholds).toHaveLength(3);
    const second = await ok(
      rest(server, "GET", `/v1/alertThresholds?page_size=3&page_token=${first.nextPageToken}`, org.secret),
    );
    expect(second.alertThresholds.map((t: any) => t.type)).toEqual([
      "ALERT_TYPE_COLLECTION_FAILED",
      "ALERT_TYPE_WEBHOOK_ENDPOINT_DISABLED",
    ]);
    expect(second.nextPageToken ?? "").toBe("");
  });

  it("without a mask updates every non-zero field; enabled=false needs the mask", async () => {
    const org = await newSandbox();
    const clawbacks = await thresholdOf(org, "CLAWBACKS");
    expect(await ok(updateThreshold(org, clawbacks.id, { count: 3 }))).toMatchObject({ enabled: true, count: 3 });
    const off = await ok(updateThreshold(org, clawbacks.id, { enabled: false }, "enabled"));
    expect(off.enabled ?? false).toBe(false);
    expect(off.count).toBe(3);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["a negative rate", { failureRatePercent: -1 }, "failure_rate_percent", "threshold.failure_rate_percent"],
    ["a rate over 100%", { failureRatePercent: 100.5 }, "failure_rate_percent", "threshold.failure_rate_percent"],
    ["a zero window", { window: "0s" }, "window", "threshold.window"],
    ["a window that is not whole hours", { window: "5400s" }, "window", "threshold.window"],
    ["a window over 90 days", { window: `${91 * 86400}s` }, "window", "threshold.window"],
    ["a zero count", { count: 0 }, "count", "threshold.count"],
    ["a negative minimum amount", { minAmountMinor: "-5" }, "min_amount_minor", "threshold.min_amount_minor"],
    ["a zero sample size", { minSampleSize: 0 }, "min_sample_size", "threshold.min_sample_size"],
    ["an unknown mask path", { count: 2 }, "count,type", "update_mask"],
  ])("refuses %s with INVALID_ARGUMENT naming the field, and changes nothing", async (_, body, mask, field) => {
    const org = await newSandbox();
    const before = await thresholds(org);
    const target = before.find((t) => t.type === "ALERT_TYPE_COLLECTION_FAILURE_RATE");
    const answer = await updateThreshold(org, target.id, body, mask);
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toContain(field);
    expect(await thresholds(org)).toEqual(before);
  });

  it("answers NOT_FOUND for another organisation's threshold, as for a missing one, and alerts:read cannot update", async () => {
    const org = await newSandbox();
    const other = await newSandbox();
    const theirs = await thresholdOf(other, "CLAWBACKS");
    expect((await updateThreshold(org, theirs.id, { count: 4 })).status).toBe(404);
    expect((await updateThreshold(org, "AT00000000000000000000000000", { count: 4 })).status).toBe(404);
    expect(await thresholdOf(other, "CLAWBACKS")).toEqual(theirs);
    const denied = await updateThreshold(
      org,
      (await thresholdOf(org, "CLAWBACKS")).id,
      { count: 4 },
      undefined,
      org.reader,
    );
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).toContain("alerts:write");
  });
});

describe("alerts raised by outcomes", () => {
  it("end to end over REST and @grpc/grpc-js: a failure-rate spike raises exactly one alert; acknowledge, resolve, raise again; a clawback shows in ListClawbacks and the feed", async () => {
    const org = await newSandbox();
    const rate = await thresholdOf(org, "COLLECTION_FAILURE_RATE");
    await ok(
      updateThreshold(
        org,
        rate.id,
        { failureRatePercent: 40, minSampleSize: 5, window: "86400s" },
        "failure_rate_percent,min_sample_size,window",
      ),
    );
    const collections = await newCollections(org, 9);
    // 3 paid, then failures: 1 of 4 (below the sample), 2 of 5 = 40% (not above), 3 of 6 = 50% → alert.
    for (const c of collections.slice(0, 3)) await simulate(org, c.id, "PAY");
    await simulate(org, collections[3]!.id, "FAIL");
    await simulate(org, collections[4]!.id, "FAIL");
    expect(await alerts(org)).toEqual([]);
    await simulate(org, collections[5]!.id, "FAIL", "1");
    const raised = await alerts(org);
    expect(raised).toHaveLength(1);
    const alert = raised[0];
    expect(alert).toMatchObject({
      type: "ALERT_TYPE_COLLECTION_FAILURE_RATE",
      state: "ALERT_STATE_OPEN",
      thresholdId: rate.id,
      observedValue: 50,
      thresholdValue: 40,
    });
    expect(alert.message).toBe("Collection failure rate 50% (3 of 6) over the last day exceeds 40%");
    expect(Date.parse(alert.windowEndTime) - Date.parse(alert.windowStartTime)).toBe(86_400_000);
    // Still above the limit: the open alert absorbs it.
    await simulate(org, collections[6]!.id, "FAIL");
    expect(await alerts(org)).toHaveLength(1);

    // The feed announced it once.
    const feed = await ok(rest(server, "GET", "/v1/notifications?type=NOTIFICATION_TYPE_ALERT_RAISED", org.reader));
    expect(feed.notifications).toHaveLength(1);
    expect(feed.notifications[0]).toMatchObject({ type: "NOTIFICATION_TYPE_ALERT_RAISED", alertId: alert.id });

    // alerts:read lists (over @grpc/grpc-js too) but cannot acknowledge.
    const listed = await grpcJsUnary(
      client,
      AlertService.method.listAlerts,
      { state: [AlertState.OPEN] },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(listed.code).toBe(grpc.status.OK);
    expect(listed.message!.alerts.map((a) => a.id)).toEqual([alert.id]);
    const denied = await grpcJsUnary(
      client,
      AlertService.method.acknowledgeAlert,
      { alertId: alert.id },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied.details).toContain("alerts:write");
    const deniedRest = await rest(server, "POST", `/v1/alerts/${alert.id}:acknowledge`, org.reader, {});
    expect(deniedRest.status).toBe(403);
    expect(JSON.stringify(deniedRest.body)).toContain("alerts:write");

    // alerts:write acknowledges over @grpc/grpc-js, then resolves over REST.
    const acked = await grpcJsUnary(
      client,
      AlertService.method.acknowledgeAlert,
      { alertId: alert.id, note: "Looking into it" },
      { authorization: `Bearer ${org.writer.secret}` },
    );
    expect(acked.code).toBe(grpc.status.OK);
    expect(acked.message).toMatchObject({
      state: AlertState.ACKNOWLEDGED,
      acknowledgedBy: org.writer.id,
      acknowledgeNote: "Looking into it",
    });
    const again = await rest(server, "POST", `/v1/alerts/${alert.id}:acknowledge`, org.writer.secret, {});
    expect(again.status).toBe(400);
    expect(JSON.stringify(again.body)).toContain("ALERT_NOT_OPEN");
    const resolved = await ok(
      rest(server, "POST", `/v1/alerts/${alert.id}:resolve`, org.writer.secret, {
        note: "Tenant paid by bank transfer",
      }),
    );
    expect(resolved).toMatchObject({
      state: "ALERT_STATE_RESOLVED",
      resolvedBy: org.writer.id,
      resolveNote: "Tenant paid by bank transfer",
    });
    const ackResolved = await grpcJsUnary(
      client,
      AlertService.method.acknowledgeAlert,
      { alertId: alert.id },
      { authorization: `Bearer ${org.writer.secret}` },
    );
    expect(ackResolved.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect((await rest(server, "POST", `/v1/alerts/${alert.id}:resolve`, org.writer.secret, {})).status).toBe(400);

    // Resolved: the next failure above the limit raises a new alert.
    await simulate(org, collections[7]!.id, "FAIL");
    const now = await alerts(org, "?state=ALERT_STATE_OPEN");
    expect(now).toHaveLength(1);
    expect(now[0].id).not.toBe(alert.id);
    expect(now[0].observedValue).toBe(62.5); // 5 failed of 8 outcomes

    // A clawback: CLAWBACKS (default: 1 in 30 days) raises its alert; ListClawbacks and the feed show it.
    const [paid] = collections;
    await simulate(org, paid!.id, "CHARGE_BACK", "3");
    const clawbackAlerts = await alerts(org, "?type=ALERT_TYPE_CLAWBACKS");
    expect(clawbackAlerts).toHaveLength(1);
    expect(clawbackAlerts[0]).toMatchObject({
      observedValue: 1,
      thresholdValue: 1,
      message: "1 clawback over the last 30 days reached the threshold of 1",
    });
    const clawbacks = await ok(rest(server, "GET", "/v1/reports/clawbacks", org.secret));
    expect(clawbacks.clawbacks).toEqual([
      expect.objectContaining({
        collectionId: paid!.id,
        reasonCode: "3",
        amountMinor: "50000",
        mandateId: paid!.mandateId,
      }),
    ]);
    const charged = await grpcJsUnary(
      client,
      AlertService.method.listNotifications,
      { type: [NotificationType.COLLECTION_CHARGED_BACK] },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(charged.message!.notifications.map((n) => [n.collectionId, n.mandateId, n.reasonCode])).toEqual([
      [paid!.id, paid!.mandateId, "3"],
    ]);
  });

  it("concurrent failures of one organisation raise one alert, not one each", async () => {
    const org = await newSandbox();
    const rate = await thresholdOf(org, "COLLECTION_FAILURE_RATE");
    await ok(
      updateThreshold(
        org,
        rate.id,
        { failureRatePercent: 10, minSampleSize: 1 },
        "failure_rate_percent,min_sample_size",
      ),
    );
    const collections = await newCollections(org, 8);
    await Promise.all(collections.map((c) => simulate(org, c.id, "FAIL")));
    const open = await alerts(org, "?type=ALERT_TYPE_COLLECTION_FAILURE_RATE");
    expect(open).toHaveLength(1);
    const states = await ok(rest(server, "GET", `/v1/collections?mandate_id=${collections[0]!.mandateId}`, org.secret));
    expect(states.collections.map((c: CollectionJson) => c.state)).toEqual(Array(8).fill("COLLECTION_STATE_FAILED"));
  });

  it("COLLECTION_FAILED, when on, raises one alert per failed collection of at least min_amount_minor", async () => {
    const org = await newSandbox();
    const single = await thresholdOf(org, "COLLECTION_FAILED");
    await ok(updateThreshold(org, single.id, { enabled: true, minAmountMinor: "60000" }, "enabled,min_amount_minor"));
    const small = await newCollections(org, 1, 59_999);
    const large = await newCollections(org, 2, 60_000);
    await simulate(org, small[0]!.id, "FAIL");
    await simulate(org, large[0]!.id, "FAIL");
    await simulate(org, large[1]!.id, "PAY");
    await simulate(org, large[1]!.id, "LATE_FAIL", "B");
    const raised = await alerts(org, "?type=ALERT_TYPE_COLLECTION_FAILED");
    expect(raised.map((a) => a.collectionId).sort()).toEqual([large[0]!.id, large[1]!.id].sort());
    for (const a of raised) expect(a).toMatchObject({ observedValue: 60000, thresholdValue: 60000 });
    expect(raised.every((a) => a.windowStartTime === undefined)).toBe(true);
    const feed = await ok(rest(server, "GET", "/v1/notifications?type=NOTIFICATION_TYPE_ALERT_RAISED", org.reader));
    expect(feed.notifications.map((n: any) => n.collectionId).sort()).toEqual([large[0]!.id, large[1]!.id].sort());
  });

  it("MANDATE_CANCELLATIONS counts payers' and banks' cancellations, not the organisation's own", async () => {
    const org = await newSandbox();
    const cancellations = await thresholdOf(org, "MANDATE_CANCELLATIONS");
    await ok(updateThreshold(org, cancellations.id, { count: 2 }));
    const mandates = await Promise.all([activeMandate(org), activeMandate(org), activeMandate(org)]);
    await ok(rest(server, "POST", `/v1/mandates/${mandates[0].id}:cancel`, org.secret, { reason: "Tenant moved out" }));
    await ok(
      rest(server, "POST", `/v1/sandbox/mandates/${mandates[1].id}:simulate`, org.secret, {
        scenario: "MANDATE_SCENARIO_CANCEL_BY_PAYER",
      }),
    );
    expect(await alerts(org)).toEqual([]);
    await ok(
      rest(server, "POST", `/v1/sandbox/mandates/${mandates[2].id}:simulate`, org.secret, {
        scenario: "MANDATE_SCENARIO_CANCEL_BY_PAYER",
        reasonCode: "1",
      }),
    );
    const raised = await alerts(org);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      type: "ALERT_TYPE_MANDATE_CANCELLATIONS",
      observedValue: 2,
      thresholdValue: 2,
      message: "2 mandate cancellations by payers or their banks over the last 7 days reached the threshold of 2",
    });
  });

  it("a disabled threshold raises nothing", async () => {
    const org = await newSandbox();
    const clawbacks = await thresholdOf(org, "CLAWBACKS");
    await ok(updateThreshold(org, clawbacks.id, { enabled: false }, "enabled"));
    const [c] = await newCollections(org, 1);
    await simulate(org, c!.id, "PAY");
    await simulate(org, c!.id, "CHARGE_BACK");
    expect(await alerts(org)).toEqual([]);
  });

  it("an alert and its outcome commit together: when the alert cannot be written, the outcome is not recorded either", async () => {
    const org = await newSandbox();
    const [c] = await newCollections(org, 1);
    await simulate(org, c!.id, "PAY");
    const db = server.admin.em.fork().getConnection();
    // A trigger that refuses this organisation's alerts stands in for a failure while writing one.
    const fn = `refuse_alert_${org.organisationId.toLowerCase()}`;
    await db.execute(
      `create function "${fn}"() returns trigger language plpgsql as $$ begin if new.organisation_id = '${org.organisationId}' then raise exception 'refused'; end if; return new; end $$`,
    );
    await db.execute(`create trigger "${fn}" before insert on "alert" for each row execute function "${fn}"()`);
    try {
      const answer = await rest(server, "POST", `/v1/sandbox/collections/${c!.id}:simulate`, org.secret, {
        scenario: "COLLECTION_SCENARIO_CHARGE_BACK",
      });
      expect(answer.status).toBe(500);
    } finally {
      await db.execute(`drop trigger "${fn}" on "alert"`);
      await db.execute(`drop function "${fn}"()`);
    }
    const after = await ok(rest(server, "GET", `/v1/collections/${c!.id}`, org.secret));
    expect(after.state).toBe("COLLECTION_STATE_PAID_OUT");
    const feed = await ok(
      rest(server, "GET", "/v1/notifications?type=NOTIFICATION_TYPE_COLLECTION_CHARGED_BACK", org.reader),
    );
    expect(feed.notifications ?? []).toEqual([]);
  });
});

describe("reading alerts", () => {
  it("GetAlert answers NOT_FOUND for another organisation's alert, and acknowledge/resolve change nothing there", async () => {
    const org = await newSandbox();
    const other = await newSandbox();
    const [c] = await newCollections(other, 1);
    await simulate(other, c!.id, "PAY");
    await simulate(other, c!.id, "CHARGE_BACK");
    const [theirs] = await alerts(other);
    expect((await rest(server, "GET", `/v1/alerts/${theirs.id}`, org.reader)).status).toBe(404);
    expect((await rest(server, "POST", `/v1/alerts/${theirs.id}:acknowledge`, org.writer.secret, {})).status).toBe(404);
    expect((await rest(server, "POST", `/v1/alerts/${theirs.id}:resolve`, org.writer.secret, {})).status).toBe(404);
    expect(await ok(rest(server, "GET", `/v1/alerts/${theirs.id}`, other.reader))).toEqual(theirs);
  });

  it("refuses a note over 500 characters, an unknown state filter, and a page token of another filter", async () => {
    const org = await newSandbox();
    const tooLong = await rest(
      server,
      "POST",
      "/v1/alerts/AL00000000000000000000000000:acknowledge",
      org.writer.secret,
      { note: "x".repeat(501) },
    );
    expect(tooLong.status).toBe(400);
    expect(violationsOf(tooLong)).toEqual(["note"]);
    const badState = await grpcJsUnary(
      client,
      AlertService.method.listAlerts,
      { state: [42 as AlertState] },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(badState.code).toBe(grpc.status.INVALID_ARGUMENT);
    const badType = await grpcJsUnary(
      client,
      AlertService.method.listAlerts,
      { type: [AlertType.UNSPECIFIED] },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(badType.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("pages newest first", async () => {
    const org = await newSandbox();
    const single = await thresholdOf(org, "COLLECTION_FAILED");
    await ok(updateThreshold(org, single.id, { enabled: true }, "enabled"));
    const collections = await newCollections(org, 5);
    for (const c of collections) await simulate(org, c.id, "FAIL");
    const all = await alerts(org, "?type=ALERT_TYPE_COLLECTION_FAILED");
    expect(all).toHaveLength(5);
    expect(all.map((a) => a.id)).toEqual(
      all
        .map((a) => a.id)
        .sort()
        .reverse(),
    );
    const seen: string[] = [];
    let token = "";
    do {
      const page = await ok(
        rest(
          server,
          "GET",
          `/v1/alerts?type=ALERT_TYPE_COLLECTION_FAILED&page_size=2${token ? `&page_token=${token}` : ""}`,
          org.reader,
        ),
      );
      seen.push(...page.alerts.map((a: any) => a.id));
      token = page.nextPageToken ?? "";
    } while (token);
    expect(seen).toEqual(all.map((a) => a.id));
    const page = await ok(rest(server, "GET", "/v1/alerts?type=ALERT_TYPE_COLLECTION_FAILED&page_size=2", org.reader));
    expect(
      (await rest(server, "GET", `/v1/alerts?page_size=2&page_token=${page.nextPageToken}`, org.reader)).status,
    ).toBe(400);
  });
});

describe("ListNotifications", () => {
  it("shows the organisation's Direct Debit events newest first, filtered by type, mandate and time", async () => {
    const org = await newSandbox();
    const [first] = await newCollections(org, 1);
    const [second] = await newCollections(org, 1);
    const mark = clock.now();
    await simulate(org, first!.id, "PAY");
    await simulate(org, second!.id, "FAIL", "2");
    const all = (await ok(rest(server, "GET", "/v1/notifications", org.reader))).notifications as any[];
    // Per mandate its creation, confirmation, activation and advance notice, then one pay-out and one
    // failure; submission events are not in the feed.
    expect(all.map((n) => n.type).slice(0, 2)).toEqual([
      "NOTIFICATION_TYPE_COLLECTION_FAILED",
      "NOTIFICATION_TYPE_COLLECTION_PAID_OUT",
    ]);
    expect(
      all
        .map((n) => n.type)
        .slice(2)
        .sort(),
    ).toEqual([
      "NOTIFICATION_TYPE_ADVANCE_NOTICE",
      "NOTIFICATION_TYPE_ADVANCE_NOTICE",
      "NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION",
      "NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION",
      "NOTIFICATION_TYPE_MANDATE_ACTIVATED",
      "NOTIFICATION_TYPE_MANDATE_ACTIVATED",
      "NOTIFICATION_TYPE_MANDATE_CREATED",
      "NOTIFICATION_TYPE_MANDATE_CREATED",
    ]);
    expect(all[0]).toMatchObject({ collectionId: second!.id, mandateId: second!.mandateId, reasonCode: "2" });
    expect(all.map((n) => n.id)).toEqual(
      all
        .map((n) => n.id)
        .sort()
        .reverse(),
    );

    const ofFirst = (await ok(rest(server, "GET", `/v1/notifications?mandate_id=${first!.mandateId}`, org.reader)))
      .notifications as any[];
    expect(ofFirst[0].type).toBe("NOTIFICATION_TYPE_COLLECTION_PAID_OUT");
    expect(
      ofFirst
        .slice(1)
        .map((n) => n.type)
        .sort(),
    ).toEqual([
      "NOTIFICATION_TYPE_ADVANCE_NOTICE",
      "NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION",
      "NOTIFICATION_TYPE_MANDATE_ACTIVATED",
      "NOTIFICATION_TYPE_MANDATE_CREATED",
    ]);
    const since = (await ok(rest(server, "GET", `/v1/notifications?since=${mark.toISOString()}`, org.reader)))
      .notifications as any[];
    expect(since.map((n) => n.type)).toEqual([
      "NOTIFICATION_TYPE_COLLECTION_FAILED",
      "NOTIFICATION_TYPE_COLLECTION_PAID_OUT",
    ]);
    const until = (await ok(rest(server, "GET", `/v1/notifications?until=${mark.toISOString()}`, org.reader)))
      .notifications as any[];
    expect(until.map((n) => n.type).sort()).toEqual([
      "NOTIFICATION_TYPE_ADVANCE_NOTICE",
      "NOTIFICATION_TYPE_ADVANCE_NOTICE",
      "NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION",
      "NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION",
      "NOTIFICATION_TYPE_MANDATE_ACTIVATED",
      "NOTIFICATION_TYPE_MANDATE_ACTIVATED",
      "NOTIFICATION_TYPE_MANDATE_CREATED",
      "NOTIFICATION_TYPE_MANDATE_CREATED",
    ]);
    const twoTypes = await grpcJsUnary(
      client,
      AlertService.method.listNotifications,
      { type: [NotificationType.COLLECTION_FAILED, NotificationType.MANDATE_ACTIVATED], pageSize: 2 },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(twoTypes.message!.notifications.map((n) => n.type)).toEqual([
      NotificationType.COLLECTION_FAILED,
      NotificationType.MANDATE_ACTIVATED,
    ]);
    const next = await grpcJsUnary(
      client,
      AlertService.method.listNotifications,
      {
        type: [NotificationType.COLLECTION_FAILED, NotificationType.MANDATE_ACTIVATED],
        pageSize: 2,
        pageToken: twoTypes.message!.nextPageToken,
      },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(next.message!.notifications.map((n) => n.type)).toEqual([NotificationType.MANDATE_ACTIVATED]);
    expect(next.message!.nextPageToken).toBe("");
  });

  it("refuses an unknown type and until not after since, naming the field", async () => {
    const org = await newSandbox();
    const badType = await rest(server, "GET", "/v1/notifications?type=NOTIFICATION_TYPE_UNSPECIFIED", org.reader);
    expect(badType.status).toBe(400);
    expect(violationsOf(badType)).toEqual(["type"]);
    const t = clock.now().toISOString();
    const badRange = await rest(server, "GET", `/v1/notifications?since=${t}&until=${t}`, org.reader);
    expect(badRange.status).toBe(400);
    expect(violationsOf(badRange)).toEqual(["until"]);
    // Outside google.protobuf.Timestamp's range (PostgreSQL would refuse it: once a 500).
    const ancient = await grpcJsUnary(
      client,
      AlertService.method.listNotifications,
      { since: { seconds: -400_000_000_000n } },
      { authorization: `Bearer ${org.reader}` },
    );
    expect(ancient.code).toBe(grpc.status.INVALID_ARGUMENT);
    const whole = await rest(
      server,
      "GET",
      "/v1/notifications?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z",
      org.reader,
    );
    expect(whole.status).toBe(200);
  });
});
