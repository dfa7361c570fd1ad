/**
 * The two examples of the product document (API key authentication), as an
 * integrator would read them: a read-only integration's key (mandates:read + collections:read) reads
 * mandates and collections but cannot write or see anything else, and the full agentOS integration's
 * key (all six scopes) reaches every DD RPC an API key may call. Over REST, Connect and gRPC.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { AlertService } from "../../gen/dd/v1/alerts_pb.js";
import { MandateService } from "../../gen/dd/v1/mandates_pb.js";
import { ReportService } from "../../gen/dd/v1/reports_pb.js";
import { allScopes, newApiKey, newOrganisation } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { checkEach } from "./support/check-each.js";
import { type ContractRpc, contractRpcs, rpcsWithRule } from "./support/contract-rpcs.js";
import { bearer } from "./support/credentials.js";
import {
  expectMissingScope,
  expectPassesAuthorization,
  expectPermissionDenied,
  transportNames,
} from "./support/outcome.js";
import { createRpcCaller, type RpcCaller } from "./support/rpc-caller.js";

const readOnlyScopes: readonly string[] = ["mandates:read", "collections:read"];

let server: TestServer;
let caller: RpcCaller;
let readOnlyKey = "";
let fullKey = "";
let sandboxFullKey = "";

beforeAll(async () => {
  server = await startTestServer();
  caller = createRpcCaller(server);
  const [live, sandbox] = await Promise.all([newOrganisation(server), newOrganisation(server, true)]);
  const [readOnly, full, sandboxFull] = await Promise.all([
    newApiKey(server, live, readOnlyScopes),
    newApiKey(server, live, allScopes),
    newApiKey(server, sandbox, allScopes),
  ]);
  readOnlyKey = readOnly.secret;
  fullKey = full.secret;
  sandboxFullKey = sandboxFull.secret;
});

afterAll(async () => {
  caller?.close();
  await server?.close();
});

const scopedRpcs = rpcsWithRule("scope");

/** byMethod finds contract RPCs by their generated descriptors, so a rename breaks the build, not the meaning. */
function byMethod(...methods: { name: string; parent: { typeName: string } }[]): ContractRpc[] {
  return methods.map((method) => {
    const rpc = contractRpcs.find((r) => r.path === `${method.parent.typeName}/${method.name}`);
    if (!rpc) throw new Error(`${method.parent.typeName}/${method.name} is not in the contract`);
    return rpc;
  });
}

describe("a read-only integration's key (mandates:read + collections:read)", () => {
  it.each(transportNames)("reads mandates, collection schedules and collections over %s", async (transport) => {
    await checkEach(
      scopedRpcs.filter((rpc) => readOnlyScopes.includes(rpc.rule.scope)),
      async (rpc) =>
        expectPassesAuthorization(
          await caller.call(transport, rpc, bearer(readOnlyKey)),
          `${rpc.path} over ${transport} with the read-only key`,
        ),
    );
  });

  it.each(transportNames)(
    "cannot create, change, cancel, suspend or reactivate mandates, or resend invites, over %s",
    async (transport) => {
      await checkEach(
        scopedRpcs.filter((rpc) => rpc.rule.scope === "mandates:write"),
        async (rpc) =>
          expectMissingScope(
            await caller.call(transport, rpc, bearer(readOnlyKey)),
            "mandates:write",
            `${rpc.path} over ${transport} with the read-only key`,
          ),
      );
    },
  );

  it.each(transportNames)(
    "cannot create or cancel collection schedules, or anything else only staff do, over %s",
    async (transport) => {
      await checkEach(rpcsWithRule("session_only"), async (rpc) =>
        expectPermissionDenied(
          await caller.call(transport, rpc, bearer(readOnlyKey)),
          "SESSION_REQUIRED",
          {},
          `${rpc.path} over ${transport} with the read-only key`,
        ),
      );
    },
  );

  it.each(transportNames)(
    "cannot see or touch alerts or reports, which it was not granted, over %s",
    async (transport) => {
      await checkEach(
        scopedRpcs.filter((rpc) => !readOnlyScopes.includes(rpc.rule.scope) && rpc.rule.scope !== "mandates:write"),
        async (rpc) =>
          expectMissingScope(
            await caller.call(transport, rpc, bearer(readOnlyKey)),
            rpc.rule.scope,
            `${rpc.path} over ${transport} with the read-only key`,
          ),
      );
    },
  );
});

describe("the full agentOS integration's key (all six scopes)", () => {
  it.each(transportNames)(
    "sends mandate invites, cancels mandates, acknowledges alerts and pulls reports over %s",
    async (transport) => {
      const lifecycle = byMethod(
        MandateService.method.createMandate,
        MandateService.method.cancelMandate,
        AlertService.method.acknowledgeAlert,
        ReportService.method.getCollectionReport,
        ReportService.method.getSuccessRates,
        ReportService.method.listClawbacks,
      );
      await checkEach(lifecycle, async (rpc) =>
        expectPassesAuthorization(
          await caller.call(transport, rpc, bearer(fullKey)),
          `${rpc.path} over ${transport} with the full key`,
        ),
      );
    },
  );

  it.each(transportNames)("reaches every DD RPC that takes a scope over %s", async (transport) => {
    await checkEach(scopedRpcs, async (rpc) =>
      expectPassesAuthorization(
        await caller.call(transport, rpc, bearer(fullKey)),
        `${rpc.path} over ${transport} with the full key`,
      ),
    );
  });

  it.each(transportNames)("runs the sandbox simulators of a sandbox organisation over %s", async (transport) => {
    await checkEach(rpcsWithRule("authenticated"), async (rpc) =>
      expectPassesAuthorization(
        await caller.call(transport, rpc, bearer(sandboxFullKey)),
        `${rpc.path} over ${transport} with a sandbox organisation's full key`,
      ),
    );
  });

  // The contract keeps key management, sign-out and collection schedule writes for staff in a
  // session: "all six scopes" is everything a key can hold, not a session.
  it.each(transportNames)("is still refused the session-only RPCs over %s", async (transport) => {
    await checkEach(rpcsWithRule("session_only"), async (rpc) =>
      expectPermissionDenied(
        await caller.call(transport, rpc, bearer(fullKey)),
        "SESSION_REQUIRED",
        {},
        `${rpc.path} over ${transport} with the full key`,
      ),
    );
  });
});
