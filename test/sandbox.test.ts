/**
 * SandboxService's mandate scenarios on a real server and real PostgreSQL, with a dd_test_ key of a
 * sandbox organisation: each scenario from the states it allows, its reason codes on the mandate,
 * refusals from other states, bad arguments, live organisations, another organisation's mandate,
 * and one call over a real @grpc/grpc-js client.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MandateCause, MandateState } from "../gen/dd/v1/mandates_pb.js";
import { MandateScenario, SandboxService } from "../gen/dd/v1/sandbox_pb.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { completeInvite, latestInviteToken, mandateIn, newTenant, reasonOf, rest, violationsOf, type MandateJson, type StateName, type Tenant } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let sandbox: Tenant;

beforeAll(async () => {
  server = await startTestServer();
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
    expect(active.bankAccount).toEqual({ accountHolderName: mandate.payer.name, sortCode: "200000", accountNumberEnding: "00" });
    expect(active.lastStateChange).toMatchObject({ previousState: "MANDATE_STATE_SUBMITTED", cause: "MANDATE_CAUSE_SANDBOX" });
    const token = await latestInviteToken(server, mandate.payer.email);
    expect((await completeInvite(server, token)).status).toBe(404);
  });

  it.each<StateName>(["PENDING_SUBMISSION", "SUBMITTED"])("ACTIVATE from %s keeps the payer's bank details", async (state) => {
    const mandate = await mandateIn(server, sandbox, state);
    const answer = await simulate(sandbox, mandate.id, "ACTIVATE");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: "MANDATE_STATE_ACTIVE", bankAccount: mandate.bankAccount, lastStateChange: { cause: "MANDATE_CAUSE_SANDBOX" } });
  });

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
    expect(failed.lastStateChange).toMatchObject({ previousState: "MANDATE_STATE_SUBMITTED", cause: "MANDATE_CAUSE_SANDBOX", reasonCode: code });
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

  it.each<StateName>(["ACTIVE", "SUSPENDED"])("EXPIRE from %s expires the mandate with no reason code", async (state) => {
    const mandate = await mandateIn(server, sandbox, state);
    const answer = await simulate(sandbox, mandate.id, "EXPIRE");
    expect(answer.status).toBe(200);
    const expired = answer.body as MandateJson;
    expect(expired.state).toBe("MANDATE_STATE_EXPIRED");
    expect(expired.lastStateChange.reasonCode).toBeUndefined();
    expect(expired.lastStateChange.cause).toBe("MANDATE_CAUSE_SANDBOX");
  });

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
      const failed = await grpcJsUnary(client, SandboxService.method.simulateMandateScenario, { mandateId: mandate.id, scenario: MandateScenario.FAIL, reasonCode: "G" }, auth);
      expect(failed.code).toBe(grpc.status.OK);
      expect(failed.message!.state).toBe(MandateState.FAILED);
      expect(failed.message!.lastStateChange).toMatchObject({ cause: MandateCause.SANDBOX, reasonCode: "G" });
      const again = await grpcJsUnary(client, SandboxService.method.simulateMandateScenario, { mandateId: mandate.id, scenario: MandateScenario.ACTIVATE }, auth);
      expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
    } finally {
      client.close();
    }
  });
});
