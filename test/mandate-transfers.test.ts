/**
 * Bank account transfers (issue 13, deliverable 8) on a real server, real PostgreSQL and a real
 * @grpc/grpc-js client: SandboxService's MANDATE_SCENARIO_TRANSFER moves an ACTIVE or SUSPENDED
 * mandate to new bank details without a new authority, as an ADDACS "3" or "C" report does. The
 * mandate keeps its state and its last state change; the new sort code and last 2 digits show, the
 * account number is sealed and never answered or logged; the feed says mandate.transferred with the
 * reason code, and the audit trail has the event. Then the acceptance line "transfer keeps the
 * schedule", with Bacs processing run day by day: the schedule made before the transfer goes on
 * making collections, and its pending collection reaches Bacs under the new details. Last, every
 * refusal (live organisation, states, bad details), each writing nothing.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertService, NotificationType } from "../gen/dd/v1/alerts_pb.js";
import { MandateState } from "../gen/dd/v1/mandates_pb.js";
import { MandateScenario, SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { addDays } from "../src/modules/calendar/plain-date.js";
import { AccountNumberCipher } from "../src/modules/mandates/account-number-cipher.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, createSchedule, type ScheduleJson, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import {
  type MandateJson,
  mandateIn,
  newTenant,
  reasonOf,
  rest,
  type StateName,
  type Tenant,
  violationsOf,
} from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer, testAccountNumberKey } from "./support/test-server.js";

/** The payer's account (goodBankDetails in support/mandates.ts): sort code 200415, ending 19. */
const payerAccount = { sortCode: "200415", accountNumberEnding: "19" };
/** A valid account to move to (passes the modulus check for 200000). */
const newAccount = { new_sort_code: "200000", new_account_number: "55779922" };
const cipher = new AccountNumberCipher(testAccountNumberKey);

function simulate(server: TestServer, tenant: Tenant, id: string, scenario: string, fields: object = {}) {
  return rest(server, "POST", `/v1/sandbox/mandates/${id}:simulate`, tenant.secret, {
    scenario: `MANDATE_SCENARIO_${scenario}`,
    ...fields,
  });
}

async function getMandate(server: TestServer, tenant: Tenant, id: string): Promise<MandateJson> {
  return (await rest(server, "GET", `/v1/mandates/${id}`, tenant.secret)).body as MandateJson;
}

/** rowsOf runs a query as an operator would, past row-level security, in the tenant's organisation. */
function rowsOf<T>(server: TestServer, tenant: Tenant, sql: string, params: unknown[]): Promise<T[]> {
  return scopeToOrganisation(server.admin.em.fork(), tenant.organisationId).getConnection().execute<T[]>(sql, params);
}

/** transfersOf lists the mandate's mandate.transferred notifications as the feed shows them. */
async function transfersOf(server: TestServer, tenant: Tenant, id: string) {
  const feed = await rest(
    server,
    "GET",
    `/v1/notifications?mandate_id=${id}&type=NOTIFICATION_TYPE_MANDATE_TRANSFERRED`,
    tenant.secret,
  );
  expect(feed.status).toBe(200);
  return feed.body.notifications as { type: string; mandateId: string; reasonCode?: string; message: string }[];
}

/** sealedNumberOf opens the mandate's stored account number, as Bacs submission would. */
async function sealedNumberOf(server: TestServer, tenant: Tenant, id: string): Promise<string> {
  const [row] = await rowsOf<{ account_number_ciphertext: string }>(
    server,
    tenant,
    `select "account_number_ciphertext" from "mandate" where "id" = ?`,
    [id],
  );
  return cipher.open(row!.account_number_ciphertext, id);
}

/** written is everything a transfer would write about a mandate: the row, its notifications, its audit events. */
async function written(server: TestServer, tenant: Tenant, id: string) {
  const [counts] = await rowsOf<{ notifications: string; audits: string }>(
    server,
    tenant,
    `select (select count(*) from "notification" where "mandate_id" = ?) as "notifications",
            (select count(*) from "audit_event" where "target" = ?) as "audits"`,
    [id, id],
  );
  return { mandate: await getMandate(server, tenant, id), sealed: await sealedNumberOf(server, tenant, id), counts };
}

describe("SimulateMandateScenario TRANSFER", () => {
  let server: TestServer;
  let sandbox: Tenant;

  beforeAll(async () => {
    server = await startTestServer({ clock: new TestClock() });
    const organisationId = await newOrganisation(server, true);
    sandbox = { organisationId, secret: (await newApiKey(server, organisationId)).secret };
  });
  afterAll(async () => server?.close());

  it("moves an ACTIVE mandate to the new details: same state and last change, number sealed, feed and audit", async () => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    expect(mandate.bankAccount).toMatchObject(payerAccount);
    const answer = await simulate(server, sandbox, mandate.id, "TRANSFER", newAccount);
    expect(answer.status).toBe(200);
    const moved = answer.body as MandateJson;
    expect(moved.state).toBe("MANDATE_STATE_ACTIVE");
    expect(moved.bankAccount).toEqual({
      accountHolderName: "Jane Payer",
      sortCode: "200000",
      accountNumberEnding: "22",
    });
    expect(moved.lastStateChange).toEqual(mandate.lastStateChange);
    expect(Date.parse(moved.updateTime)).toBeGreaterThanOrEqual(Date.parse(mandate.updateTime));
    expect(await getMandate(server, sandbox, mandate.id)).toEqual(moved);

    // Sealed: the stored value opens to the new number under this mandate's id, and shows no digits.
    const [row] = await rowsOf<{ account_number_ciphertext: string }>(
      server,
      sandbox,
      `select "account_number_ciphertext" from "mandate" where "id" = ?`,
      [mandate.id],
    );
    expect(row!.account_number_ciphertext).not.toContain("55779922");
    expect(cipher.open(row!.account_number_ciphertext, mandate.id)).toBe("55779922");

    const [transferred, ...more] = await transfersOf(server, sandbox, mandate.id);
    expect(more).toEqual([]);
    expect(transferred).toMatchObject({ type: "NOTIFICATION_TYPE_MANDATE_TRANSFERRED", reasonCode: "3" });
    expect(transferred!.message).toContain("from sort code 20-04-15, account ending 19");
    expect(transferred!.message).toContain("to sort code 20-00-00, account ending 22");
    expect(transferred!.message).toContain("stays active");
    expect(transferred!.message).toContain("ADDACS 3: Account transferred to another bank or building society");

    const audits = await rowsOf<{ action: string; actor: string; outcome: string }>(
      server,
      sandbox,
      `select "action", "actor", "outcome" from "audit_event" where "target" = ? and "action" = 'mandate.transfer'`,
      [mandate.id],
    );
    expect(audits).toEqual([
      { action: "mandate.transfer", actor: expect.stringMatching(/^key:AK/), outcome: "success" },
    ]);

    // The full number is in no answer and no log line.
    const history = await rest(server, "GET", `/v1/notifications?mandate_id=${mandate.id}`, sandbox.secret);
    for (const text of [JSON.stringify(moved), JSON.stringify(history.body), ...server.rawLogs])
      expect(text).not.toContain("55779922");
  });

  it("moves a SUSPENDED mandate with code C and keeps it suspended, with the organisation's reason", async () => {
    const mandate = await mandateIn(server, sandbox, "SUSPENDED");
    const answer = await simulate(server, sandbox, mandate.id, "TRANSFER", { reason_code: "c" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      state: "MANDATE_STATE_SUSPENDED",
      bankAccount: { accountHolderName: "Jane Payer", sortCode: "200000", accountNumberEnding: "11" },
      lastStateChange: { previousState: "MANDATE_STATE_ACTIVE", cause: "MANDATE_CAUSE_ORGANISATION" },
    });
    expect(await sealedNumberOf(server, sandbox, mandate.id)).toBe("55779911");
    const [transferred] = await transfersOf(server, sandbox, mandate.id);
    expect(transferred).toMatchObject({ reasonCode: "C" });
    expect(transferred!.message).toContain("stays suspended");
  });

  it("plays again to the other test account, and takes a new holder name when given", async () => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    expect((await simulate(server, sandbox, mandate.id, "TRANSFER")).body.bankAccount.accountNumberEnding).toBe("11");
    const again = await simulate(server, sandbox, mandate.id, "TRANSFER", { new_account_holder_name: " J Payer " });
    expect(again.status).toBe(200);
    expect(again.body.bankAccount).toEqual({
      accountHolderName: "J Payer",
      sortCode: "200000",
      accountNumberEnding: "00",
    });
    expect(await sealedNumberOf(server, sandbox, mandate.id)).toBe("55779900");
    expect((await transfersOf(server, sandbox, mandate.id)).map((n) => n.reasonCode)).toEqual(["3", "3"]);
  });

  it("shows the transfer in the mandate's history, newest first", async () => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    await simulate(server, sandbox, mandate.id, "TRANSFER", newAccount);
    const feed = await rest(server, "GET", `/v1/notifications?mandate_id=${mandate.id}`, sandbox.secret);
    const types = (feed.body.notifications as { type: string }[]).map((n) => n.type);
    expect(types[0]).toBe("NOTIFICATION_TYPE_MANDATE_TRANSFERRED");
    expect(types.slice(1).sort()).toEqual([
      "NOTIFICATION_TYPE_INSTRUCTION_CONFIRMATION",
      "NOTIFICATION_TYPE_MANDATE_ACTIVATED",
      "NOTIFICATION_TYPE_MANDATE_CREATED",
    ]);
  });

  it.each<StateName>([
    "PENDING_CUSTOMER_APPROVAL",
    "PENDING_SUBMISSION",
    "SUBMITTED",
    "CANCELLED",
    "FAILED",
    "EXPIRED",
  ])("refuses a %s mandate with FAILED_PRECONDITION and writes nothing", async (state) => {
    const mandate = await mandateIn(server, sandbox, state);
    const before = await rowsOf<{ n: string }>(
      server,
      sandbox,
      `select count(*) as n from "notification" where "mandate_id" = ?`,
      [mandate.id],
    );
    const answer = await simulate(server, sandbox, mandate.id, "TRANSFER", newAccount);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("failed_precondition");
    expect(reasonOf(answer)).toBe("MANDATE_SCENARIO_NOT_ALLOWED");
    expect(answer.body.message).toContain("TRANSFER needs one of ACTIVE, SUSPENDED");
    expect(await getMandate(server, sandbox, mandate.id)).toEqual(mandate);
    expect(
      await rowsOf(server, sandbox, `select count(*) as n from "notification" where "mandate_id" = ?`, [mandate.id]),
    ).toEqual(before);
    expect(
      await rowsOf(
        server,
        sandbox,
        `select 1 from "audit_event" where "target" = ? and "action" = 'mandate.transfer'`,
        [mandate.id],
      ),
    ).toEqual([]);
  });

  it.each<[string, string, object, string[]]>([
    [
      "a modulus failure",
      "TRANSFER",
      { new_sort_code: "200000", new_account_number: "55779912" },
      ["new_account_number"],
    ],
    [
      "a sort code with dashes",
      "TRANSFER",
      { new_sort_code: "20-00-00", new_account_number: "55779922" },
      ["new_sort_code"],
    ],
    ["an account number without a sort code", "TRANSFER", { new_account_number: "55779922" }, ["new_sort_code"]],
    ["a sort code without an account number", "TRANSFER", { new_sort_code: "200000" }, ["new_account_number"]],
    [
      "a holder name with a line break",
      "TRANSFER",
      { new_account_holder_name: "Jane\nPayer" },
      ["new_account_holder_name"],
    ],
    [
      "the mandate's own account",
      "TRANSFER",
      { new_sort_code: "200415", new_account_number: "31226819" },
      ["new_account_number"],
    ],
    ["a cancelling ADDACS code", "TRANSFER", { reason_code: "1" }, ["reason_code"]],
    ["new details for another scenario", "EXPIRE", newAccount, ["new_sort_code", "new_account_number"]],
  ])("answers INVALID_ARGUMENT for %s, naming the field, and writes nothing", async (_, scenario, fields, named) => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    const before = await written(server, sandbox, mandate.id);
    const answer = await simulate(server, sandbox, mandate.id, scenario, fields);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_argument");
    expect(violationsOf(answer)).toEqual(named);
    expect(await written(server, sandbox, mandate.id)).toEqual(before);
  });

  it("names a modulus failure as the check does: both numbers may be wrong", async () => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    const answer = await simulate(server, sandbox, mandate.id, "TRANSFER", {
      new_sort_code: "200000",
      new_account_number: "55779912",
    });
    expect(answer.body.details[0].fieldViolations).toEqual([
      { field: "new_account_number", description: "does not match sort code 20-00-00: check both numbers" },
    ]);
    expect(JSON.stringify(answer.body)).not.toContain("55779912");
  });

  it("refuses a live organisation with FAILED_PRECONDITION SANDBOX_ONLY and writes nothing", async () => {
    const live = await newTenant(server);
    const mandate = await mandateIn(server, live, "ACTIVE");
    const before = await written(server, live, mandate.id);
    const answer = await simulate(server, live, mandate.id, "TRANSFER", newAccount);
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe("SANDBOX_ONLY");
    expect(await written(server, live, mandate.id)).toEqual(before);
  });

  it("answers NOT_FOUND for another organisation's mandate and writes nothing", async () => {
    const otherId = await newOrganisation(server, true);
    const other = { organisationId: otherId, secret: (await newApiKey(server, otherId)).secret };
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    const before = await written(server, sandbox, mandate.id);
    expect((await simulate(server, other, mandate.id, "TRANSFER", newAccount)).status).toBe(404);
    expect(await written(server, sandbox, mandate.id)).toEqual(before);
  });

  it("applies a Bacs report's transfer through MandateTransitions the same way, refusing a closed mandate", async () => {
    const em = () => scopeToOrganisation(server.admin.em.fork(), sandbox.organisationId);
    const acting = { organisationId: sandbox.organisationId, actor: "system:bacs-reports" };
    const report = { reasonCode: "C", description: "ADDACS C: Account transferred to another account" };
    const transfer = { sortCode: "200000", accountNumber: "55779922", accountHolderName: "Jane Q Payer" };
    const active = await mandateIn(server, sandbox, "ACTIVE");
    await server.app.mandateTransitions.transfer(em(), acting, active.id, transfer, report);
    expect(await getMandate(server, sandbox, active.id)).toMatchObject({
      state: "MANDATE_STATE_ACTIVE",
      bankAccount: { accountHolderName: "Jane Q Payer", sortCode: "200000", accountNumberEnding: "22" },
      lastStateChange: active.lastStateChange,
    });
    expect((await transfersOf(server, sandbox, active.id))[0]).toMatchObject({ reasonCode: "C" });

    const cancelled = await mandateIn(server, sandbox, "CANCELLED");
    const before = await written(server, sandbox, cancelled.id);
    await expect(
      server.app.mandateTransitions.transfer(em(), acting, cancelled.id, transfer, report),
    ).rejects.toMatchObject({ reason: "MANDATE_NOT_ACTIVE" });
    expect(await written(server, sandbox, cancelled.id)).toEqual(before);
  });

  it("works over @grpc/grpc-js, and the feed lists the new type", async () => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    const client = grpcJsClient(server.port);
    try {
      const auth = { authorization: `Bearer ${sandbox.secret}` };
      const moved = await grpcJsUnary(
        client,
        SandboxService.method.simulateMandateScenario,
        {
          mandateId: mandate.id,
          scenario: MandateScenario.TRANSFER,
          reasonCode: "C",
          newSortCode: "200000",
          newAccountNumber: "55779922",
        },
        auth,
      );
      expect(moved.code).toBe(grpc.status.OK);
      expect(moved.message!.state).toBe(MandateState.ACTIVE);
      expect(moved.message!.bankAccount).toMatchObject({ sortCode: "200000", accountNumberEnding: "22" });
      const feed = await grpcJsUnary(
        client,
        AlertService.method.listNotifications,
        { mandateId: mandate.id, type: [NotificationType.MANDATE_TRANSFERRED] },
        auth,
      );
      expect(feed.code).toBe(grpc.status.OK);
      expect(feed.message!.notifications.map((n) => [n.type, n.reasonCode])).toEqual([
        [NotificationType.MANDATE_TRANSFERRED, "C"],
      ]);
      const bad = await grpcJsUnary(
        client,
        SandboxService.method.simulateMandateScenario,
        {
          mandateId: mandate.id,
          scenario: MandateScenario.TRANSFER,
          newSortCode: "200000",
          newAccountNumber: "55779912",
        },
        auth,
      );
      expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    } finally {
      client.close();
    }
  });
});

describe("a transfer keeps the schedule (Bacs processing day by day)", () => {
  /** Monday 6 September 2027: no bank holiday until Christmas. */
  const firstDay = "2027-09-06";
  const clock = new TestClock();
  let server: TestServer;
  let sandbox: Tenant;

  beforeAll(async () => {
    clock.setDay(firstDay);
    server = await startTestServer({ clock, withoutRedis: true });
    const organisationId = await newOrganisation(server, true);
    sandbox = { organisationId, secret: (await newApiKey(server, organisationId)).secret };
  });
  afterAll(async () => server?.close());

  it("goes on making collections, and the pending one reaches Bacs under the new details", async () => {
    const mandate = await mandateIn(server, sandbox, "ACTIVE");
    const staff = await withAdmin(server, sandbox);
    const schedule = await createSchedule(server, staff, {
      mandate_id: mandate.id,
      amount_minor: "95000",
      interval_unit: "INTERVAL_UNIT_MONTHLY",
      start_date: "2027-09-24",
    });
    const collections = async () =>
      (
        (await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, sandbox.secret)).body
          .collections as CollectionJson[]
      ).sort((a, b) => a.chargeDate.localeCompare(b.chargeDate));
    const [first, ...none] = await collections();
    expect(none).toEqual([]);
    expect(first!.state).toBe("COLLECTION_STATE_PENDING_SUBMISSION");

    // Tuesday: the payer switches banks.
    clock.setDay("2027-09-07");
    expect((await simulate(server, sandbox, mandate.id, "TRANSFER", newAccount)).status).toBe(200);

    // Processing, day by day: note the day the first collection is submitted, and what the mandate
    // holds then (submission reads the mandate's details: collections keep no copy).
    let submittedOn: string | undefined;
    let detailsAtSubmission: { bankAccount?: unknown; sealed: string } | undefined;
    let day = "2027-09-07";
    for (; day <= "2027-11-30"; day = addDays(day, 1)) {
      await server.app.processor.runOnce(clock.setDay(day));
      const now = await collections();
      if (!submittedOn && now[0]!.state === "COLLECTION_STATE_SUBMITTED") {
        submittedOn = day;
        detailsAtSubmission = {
          bankAccount: (await getMandate(server, sandbox, mandate.id)).bankAccount,
          sealed: await sealedNumberOf(server, sandbox, mandate.id),
        };
      }
      if (now.length > 1) break;
    }
    expect(submittedOn).toBeDefined();
    expect(submittedOn! < first!.chargeDate).toBe(true);
    expect(detailsAtSubmission).toEqual({
      bankAccount: { accountHolderName: "Jane Payer", sortCode: "200000", accountNumberEnding: "22" },
      sealed: "55779922",
    });

    // The schedule made before the transfer made the next collection after it, under the same mandate.
    const [submitted, next] = await collections();
    expect(submitted).toMatchObject({ id: first!.id, mandateId: mandate.id });
    expect(next).toMatchObject({ mandateId: mandate.id, scheduleId: schedule.id });
    expect(next!.chargeDate > submitted!.chargeDate).toBe(true);
    expect(["COLLECTION_STATE_PENDING_SUBMISSION", "COLLECTION_STATE_SUBMITTED"]).toContain(next!.state);
    const after = (await rest(server, "GET", `/v1/collectionSchedules/${schedule.id}`, sandbox.secret))
      .body as ScheduleJson;
    expect(after.state).toBe("COLLECTION_SCHEDULE_STATE_ACTIVE");
    expect((await getMandate(server, sandbox, mandate.id)).state).toBe("MANDATE_STATE_ACTIVE");

    // What submission can read: collections hold no bank details of their own, only their mandate.
    const columns = await rowsOf<{ column_name: string }>(
      server,
      sandbox,
      `select "column_name" from information_schema.columns where "table_name" = 'collection'`,
      [],
    );
    const names = columns.map((c) => c.column_name);
    expect(names).toContain("mandate_id");
    expect(names.filter((n) => /sort|account|holder/.test(n))).toEqual([]);
  });
});
