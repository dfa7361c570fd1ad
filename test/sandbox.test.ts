/**
 * SandboxService's mandate scenarios on a real server and real PostgreSQL, with a dd_test_ key of a
 * sandbox organisation: each scenario from the states it allows, its reason codes on the mandate,
 * refusals from other states, bad arguments, live organisations, another organisation's mandate,
 * and one call over a real @grpc/grpc-js client. Then the same for the collection scenarios (PAY,
 * FAIL, LATE_FAIL, CHARGE_BACK): each from the states it allows with its ARUDD or DDICA code on
 * the collection and in its notifications, and every refusal.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionState } from "../gen/dd/v1/collections_pb.js";
import { MandateCause, MandateState } from "../gen/dd/v1/mandates_pb.js";
import { CollectionScenario, MandateScenario, SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { Collection } from "../src/modules/collections/collection.entity.js";
import type { CollectionStateName } from "../src/modules/collections/collection-lifecycle.js";
import { applyCollectionStateChange } from "../src/modules/collections/collection-state-change.js";
import { scopeToOrganisation } from "../src/platform/db/tenant-filter.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { type CollectionJson, createSchedule, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import {
  completeInvite,
  latestInviteToken,
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
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
/** The server's clock: today here is today there, even across midnight. */
const clock = new TestClock();
let sandbox: Tenant;

beforeAll(async () => {
  server = await startTestServer({ clock });
  const organisationId = await newOrganisation(server, true);
  sandbox = { organisationId, secret: (await newApiKey(server, organisationId)).secret };
});
afterAll(async () => server?.close());

function simulate(tenant: Tenant, id: string, scenario: string, reasonCode?: string) {
  const body = { scenario: `MANDATE_SCENARIO_${scenario}`, ...(reasonCode === undefined ? {} : { reasonCode }) };
  return rest(server, "POST", `/v1/sandbox/mandates/${id}:simulate`, tenant.secret, body);
}

async function stateOf(tenant: Tenant, id: string): Promise<string> {
  return ((await rest(server, "GET", `/v1/mandates/${id}`, tenant.secret)).body as MandateJson).state;
}

describe("SimulateMandateScenario", () => {
  it("uses a dd_test_ key", () => {
    expect(sandbox.secret.startsWith("dd_test_")).toBe(true);
  });

  it("ACTIVATE fills in test bank details for a payer who never completed, and the invite link stops working", async () => {
    const mandate = await mandateIn(server, sandbox, "PENDING_CUSTOMER_APPROVAL");
    const answer = await simulate(sandbox, mandate.id, "ACTIVATE");
    expect(answer.status).toBe(200);
    const active = answer.body as MandateJson;
    expect(active.state).toBe("MANDATE_STATE_ACTIVE");
    expect(active.bankAccount).toEqual({
      accountHolderName: mandate.payer.name,
      sortCode: "200000",
      accountNumberEnding: "00",
    });
    expect(active.lastStateChange).toMatchObject({
      previousState: "MANDATE_STATE_SUBMITTED",
      cause: "MANDATE_CAUSE_SANDBOX",
    });
    const token = await latestInviteToken(server, mandate.payer.email);
    expect((await completeInvite(server, token)).status).toBe(404);
  });

  it.each<StateName>(["PENDING_SUBMISSION", "SUBMITTED"])(
    "ACTIVATE from %s keeps the payer's bank details",
    async (state) => {
      const mandate = await mandateIn(server, sandbox, state);
      const answer = await simulate(sandbox, mandate.id, "ACTIVATE");
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        state: "MANDATE_STATE_ACTIVE",
        bankAccount: mandate.bankAccount,
        lastStateChange: { cause: "MANDATE_CAUSE_SANDBOX" },
      });
    },
  );

  it.each<[StateName, string | undefined, string, string]>([
    ["PENDING_CUSTOMER_APPROVAL", undefined, "B", "Account closed"],
    ["PENDING_SUBMISSION", "l", "L", "Incorrect payer's account details"],
    ["SUBMITTED", "5", "5", "No account"],
  ])("FAIL from %s reports AUDDIS code %s on the mandate", async (state, given, code, meaning) => {
    const mandate = await mandateIn(server, sandbox, state);
    const answer = await simulate(sandbox, mandate.id, "FAIL", given);
    expect(answer.status).toBe(200);
    const failed = answer.body as MandateJson;
    expect(failed.state).toBe("MANDATE_STATE_FAILED");
    expect(failed.lastStateChange).toMatchObject({
      previousState: "MANDATE_STATE_SUBMITTED",
      cause: "MANDATE_CAUSE_SANDBOX",
      reasonCode: code,
    });
    expect(failed.lastStateChange.description).toContain(meaning);
    const read = (await rest(server, "GET", `/v1/mandates/${mandate.id}`, sandbox.secret)).body as MandateJson;
    expect(read.lastStateChange.reasonCode).toBe(code);
  });

  it.each<[StateName, string | undefined, string]>([
    ["ACTIVE", undefined, "1"],
    ["SUSPENDED", "B", "B"],
  ])("CANCEL_BY_PAYER from %s reports ADDACS code %s", async (state, given, code) => {
    const mandate = await mandateIn(server, sandbox, state);
    const answer = await simulate(sandbox, mandate.id, "CANCEL_BY_PAYER", given);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      state: "MANDATE_STATE_CANCELLED",
      lastStateChange: { previousState: `MANDATE_STATE_${state}`, cause: "MANDATE_CAUSE_SANDBOX", reasonCode: code },
    });
  });

  it.each<StateName>(["ACTIVE", "SUSPENDED"])(
    "EXPIRE from %s expires the mandate with no reason code",
    async (state) => {
      const mandate = await mandateIn(server, sandbox, state);
      const answer = await simulate(sandbox, mandate.id, "EXPIRE");
      expect(answer.status).toBe(200);
      const expired = answer.body as MandateJson;
      expect(expired.state).toBe("MANDATE_STATE_EXPIRED");
      expect(expired.lastStateChange.reasonCode).toBeUndefined();
      expect(expired.lastStateChange.cause).toBe("MANDATE_CAUSE_SANDBOX");
    },
  );

  it.each<[string, StateName]>([
    ["ACTIVATE", "ACTIVE"],
    ["ACTIVATE", "CANCELLED"],
    ["FAIL", "ACTIVE"],
    ["FAIL", "FAILED"],
    ["CANCEL_BY_PAYER", "SUBMITTED"],
    ["CANCEL_BY_PAYER", "CANCELLED"],
    ["EXPIRE", "PENDING_SUBMISSION"],
    ["EXPIRE", "EXPIRED"],
  ])("refuses %s on a %s mandate with FAILED_PRECONDITION and changes nothing", async (scenario, state) => {
    const mandate = await mandateIn(server, sandbox, state);
    const answer = await simulate(sandbox, mandate.id, scenario);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("failed_precondition");
    expect(reasonOf(answer)).toBe("MANDATE_SCENARIO_NOT_ALLOWED");
    expect(await stateOf(sandbox, mandate.id)).toBe(`MANDATE_STATE_${state}`);
  });

  it.each<[string, string | undefined, string]>([
    ["UNSPECIFIED", undefined, "scenario"],
    ["ACTIVATE", "B", "reason_code"],
    ["EXPIRE", "1", "reason_code"],
    ["FAIL", "Z", "reason_code"],
    ["CANCEL_BY_PAYER", "E", "reason_code"],
  ])("answers INVALID_ARGUMENT for %s with reason code %s, naming %s", async (scenario, code, field) => {
    const mandate = await mandateIn(server, sandbox, "PENDING_SUBMISSION");
    const answer = await simulate(sandbox, mandate.id, scenario, code);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_argument");
    expect(violationsOf(answer)).toEqual([field]);
    expect(await stateOf(sandbox, mandate.id)).toBe("MANDATE_STATE_PENDING_SUBMISSION");
  });

  it("refuses a live organisation with FAILED_PRECONDITION SANDBOX_ONLY and changes nothing", async () => {
    const live = await newTenant(server);
    expect(live.secret.startsWith("dd_live_")).toBe(true);
    const mandate = await mandateIn(server, live, "SUBMITTED");
    const answer = await simulate(live, mandate.id, "ACTIVATE");
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe("SANDBOX_ONLY");
    expect(await stateOf(live, mandate.id)).toBe("MANDATE_STATE_SUBMITTED");
  });

  it("answers NOT_FOUND for another organisation's mandate, as for a missing one", async () => {
    const otherId = await newOrganisation(server, true);
    const other = { organisationId: otherId, secret: (await newApiKey(server, otherId)).secret };
    const mandate = await mandateIn(server, sandbox, "SUBMITTED");
    expect((await simulate(other, mandate.id, "ACTIVATE")).status).toBe(404);
    expect((await simulate(other, "MD00000000000000000000000000", "ACTIVATE")).status).toBe(404);
    expect(await stateOf(sandbox, mandate.id)).toBe("MANDATE_STATE_SUBMITTED");
  });

  it("works over @grpc/grpc-js with a key of any scope (access is authenticated)", async () => {
    const { secret } = await newApiKey(server, sandbox.organisationId, ["mandates:read"]);
    const mandate = await mandateIn(server, sandbox, "PENDING_SUBMISSION");
    const client = grpcJsClient(server.port);
    try {
      const auth = { authorization: `Bearer ${secret}` };
      const failed = await grpcJsUnary(
        client,
        SandboxService.method.simulateMandateScenario,
        { mandateId: mandate.id, scenario: MandateScenario.FAIL, reasonCode: "G" },
        auth,
      );
      expect(failed.code).toBe(grpc.status.OK);
      expect(failed.message!.state).toBe(MandateState.FAILED);
      expect(failed.message!.lastStateChange).toMatchObject({ cause: MandateCause.SANDBOX, reasonCode: "G" });
      const again = await grpcJsUnary(
        client,
        SandboxService.method.simulateMandateScenario,
        { mandateId: mandate.id, scenario: MandateScenario.ACTIVATE },
        auth,
      );
      expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
    } finally {
      client.close();
    }
  });
});

/** The walk from PENDING_SUBMISSION to each state a collection scenario starts from (as Bacs does). */
const walks: Record<string, CollectionStateName[]> = {
  PENDING_SUBMISSION: [],
  SUBMITTED: ["SUBMITTED"],
  CONFIRMED: ["SUBMITTED", "CONFIRMED"],
  PAID_OUT: ["SUBMITTED", "CONFIRMED", "PAID_OUT"],
  FAILED: ["SUBMITTED", "FAILED"],
  CANCELLED: ["CANCELLED"],
};

/** collectionIn makes a collection of the tenant's (a schedule on an ACTIVE mandate) and walks it to `state`. */
async function collectionIn(
  tenant: Tenant,
  state: keyof typeof walks,
): Promise<{ collection: CollectionJson; mandate: MandateJson }> {
  const staff = await withAdmin(server, tenant);
  const mandate = await mandateIn(server, staff, "ACTIVE");
  const schedule = await createSchedule(server, staff, {
    mandate_id: mandate.id,
    amount_minor: "70000",
    interval_unit: "INTERVAL_UNIT_MONTHLY",
    start_date: londonDate(clock.now()),
  });
  const listed = await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, tenant.secret);
  const collection = (listed.body.collections as CollectionJson[])[0]!;
  const em = scopeToOrganisation(server.admin.em.fork(), tenant.organisationId);
  const row = await em.findOneOrFail(Collection, { id: collection.id });
  for (const to of walks[state]!)
    applyCollectionStateChange(
      em,
      row,
      to,
      { description: "test walk", reasonCode: to === "FAILED" ? "0" : undefined },
      clock.now(),
    );
  await em.flush();
  return { collection, mandate };
}

function simulateCollection(tenant: Tenant, id: string, scenario: string, reasonCode?: string) {
  const body = { scenario: `COLLECTION_SCENARIO_${scenario}`, ...(reasonCode === undefined ? {} : { reasonCode }) };
  return rest(server, "POST", `/v1/sandbox/collections/${id}:simulate`, tenant.secret, body);
}

async function collectionState(tenant: Tenant, id: string): Promise<string> {
  return ((await rest(server, "GET", `/v1/collections/${id}`, tenant.secret)).body as CollectionJson).state;
}

/** collectionNotifications lists the collection's notifications after the walk ("test walk" ones left out), as type[:reason]. */
async function collectionNotifications(tenant: Tenant, id: string): Promise<string[]> {
  const rows = await scopeToOrganisation(server.admin.em.fork(), tenant.organisationId)
    .getConnection()
    .execute<{ type: string; reason_code: string | null; message: string }[]>(
      `select "type", "reason_code", "message" from "notification" where "resource_id" = ?`,
      [id],
    );
  return rows
    .filter((r) => r.message.includes("Sandbox:"))
    .map((r) => (r.reason_code ? `${r.type}:${r.reason_code}` : r.type))
    .sort();
}

describe("SimulateCollectionScenario", () => {
  it.each<[string, string[]]>([
    ["PENDING_SUBMISSION", ["collection.confirmed", "collection.paid_out", "collection.submitted"]],
    ["SUBMITTED", ["collection.confirmed", "collection.paid_out"]],
    ["CONFIRMED", ["collection.paid_out"]],
  ])("PAY from %s walks the collection to PAID_OUT with a notification per step", async (state, notifications) => {
    const { collection } = await collectionIn(sandbox, state);
    const answer = await simulateCollection(sandbox, collection.id, "PAY");
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe("COLLECTION_STATE_PAID_OUT");
    expect(answer.body.reasonCode ?? "").toBe("");
    expect(await collectionNotifications(sandbox, collection.id)).toEqual(notifications);
  });

  it.each<[string, string, string | undefined, string]>([
    ["FAIL", "PENDING_SUBMISSION", undefined, "0"],
    ["FAIL", "SUBMITTED", "b", "B"],
    ["LATE_FAIL", "CONFIRMED", undefined, "0"],
    ["LATE_FAIL", "PAID_OUT", "5", "5"],
  ])("%s from %s reports ARUDD code %s as %s", async (scenario, state, given, code) => {
    const { collection } = await collectionIn(sandbox, state);
    const answer = await simulateCollection(sandbox, collection.id, scenario, given);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: "COLLECTION_STATE_FAILED", reasonCode: code });
    const notes = await collectionNotifications(sandbox, collection.id);
    expect(notes).toContain(`collection.failed:${code}`);
    expect(notes).toHaveLength(state === "PENDING_SUBMISSION" ? 2 : 1); // from pending: submitted first
  });

  it.each<[string | undefined, string]>([
    [undefined, "1"],
    ["8", "8"],
  ])("CHARGE_BACK with DDICA code %s claws back a paid-out collection with code %s", async (given, code) => {
    const { collection } = await collectionIn(sandbox, "PAID_OUT");
    const answer = await simulateCollection(sandbox, collection.id, "CHARGE_BACK", given);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: "COLLECTION_STATE_CHARGED_BACK", reasonCode: code });
    expect(await collectionNotifications(sandbox, collection.id)).toEqual([`collection.charged_back:${code}`]);
  });

  it.each<[string, string]>([
    ["PAY", "PAID_OUT"],
    ["PAY", "CANCELLED"],
    ["FAIL", "CONFIRMED"],
    ["FAIL", "FAILED"],
    ["LATE_FAIL", "SUBMITTED"],
    ["LATE_FAIL", "PENDING_SUBMISSION"],
    ["CHARGE_BACK", "CONFIRMED"],
    ["CHARGE_BACK", "FAILED"],
  ])("refuses %s on a %s collection with FAILED_PRECONDITION and changes nothing", async (scenario, state) => {
    const { collection } = await collectionIn(sandbox, state);
    const answer = await simulateCollection(sandbox, collection.id, scenario);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("failed_precondition");
    expect(reasonOf(answer)).toBe("COLLECTION_SCENARIO_NOT_ALLOWED");
    expect(await collectionState(sandbox, collection.id)).toBe(`COLLECTION_STATE_${state}`);
  });

  it("refuses to submit under a suspended mandate with MANDATE_NOT_ACTIVE", async () => {
    const { collection, mandate } = await collectionIn(sandbox, "PENDING_SUBMISSION");
    expect(
      (await rest(server, "POST", `/v1/mandates/${mandate.id}:suspend`, sandbox.secret, { reason: "paused" })).status,
    ).toBe(200);
    const answer = await simulateCollection(sandbox, collection.id, "PAY");
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe("MANDATE_NOT_ACTIVE");
    expect(await collectionState(sandbox, collection.id)).toBe("COLLECTION_STATE_PENDING_SUBMISSION");
  });

  it.each<[string, string | undefined, string]>([
    ["UNSPECIFIED", undefined, "scenario"],
    ["PAY", "0", "reason_code"],
    ["FAIL", "Z", "reason_code"],
    ["LATE_FAIL", "C", "reason_code"],
    ["CHARGE_BACK", "9", "reason_code"],
    ["CHARGE_BACK", "0", "reason_code"],
  ])("answers INVALID_ARGUMENT for %s with reason code %s, naming %s", async (scenario, code, field) => {
    const { collection } = await collectionIn(sandbox, "PAID_OUT");
    const answer = await simulateCollection(sandbox, collection.id, scenario, code);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_argument");
    expect(violationsOf(answer)).toEqual([field]);
    expect(await collectionState(sandbox, collection.id)).toBe("COLLECTION_STATE_PAID_OUT");
  });

  it("refuses a live organisation with FAILED_PRECONDITION SANDBOX_ONLY and changes nothing", async () => {
    const live = await newTenant(server);
    const { collection } = await collectionIn(live, "PENDING_SUBMISSION");
    const answer = await simulateCollection(live, collection.id, "PAY");
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe("SANDBOX_ONLY");
    expect(await collectionState(live, collection.id)).toBe("COLLECTION_STATE_PENDING_SUBMISSION");
  });

  it("answers NOT_FOUND for another organisation's collection, as for a missing one", async () => {
    const otherId = await newOrganisation(server, true);
    const other = { organisationId: otherId, secret: (await newApiKey(server, otherId)).secret };
    const { collection } = await collectionIn(sandbox, "PENDING_SUBMISSION");
    expect((await simulateCollection(other, collection.id, "PAY")).status).toBe(404);
    expect((await simulateCollection(other, "CL00000000000000000000000000", "PAY")).status).toBe(404);
    expect(await collectionState(sandbox, collection.id)).toBe("COLLECTION_STATE_PENDING_SUBMISSION");
  });

  it("pays and charges back over @grpc/grpc-js", async () => {
    const { collection } = await collectionIn(sandbox, "SUBMITTED");
    const client = grpcJsClient(server.port);
    try {
      const auth = { authorization: `Bearer ${sandbox.secret}` };
      const paid = await grpcJsUnary(
        client,
        SandboxService.method.simulateCollectionScenario,
        { collectionId: collection.id, scenario: CollectionScenario.PAY },
        auth,
      );
      expect(paid.code).toBe(grpc.status.OK);
      expect(paid.message!.state).toBe(CollectionState.PAID_OUT);
      const clawed = await grpcJsUnary(
        client,
        SandboxService.method.simulateCollectionScenario,
        { collectionId: collection.id, scenario: CollectionScenario.CHARGE_BACK, reasonCode: "3" },
        auth,
      );
      expect(clawed.code).toBe(grpc.status.OK);
      expect(clawed.message).toMatchObject({ state: CollectionState.CHARGED_BACK, reasonCode: "3" });
      const again = await grpcJsUnary(
        client,
        SandboxService.method.simulateCollectionScenario,
        { collectionId: collection.id, scenario: CollectionScenario.PAY },
        auth,
      );
      expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
    } finally {
      client.close();
    }
  });
});
