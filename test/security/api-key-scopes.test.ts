/**
 * The shared security suite, authorization of API keys: for every RPC that takes a scope, a key
 * holding every other scope is refused with PERMISSION_DENIED naming the missing one, and a key
 * holding just that scope gets through; session-only RPCs refuse any key (SESSION_REQUIRED); the
 * sandbox simulators admit any valid key. Over REST, Connect and a real @grpc/grpc-js client.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { allScopes, newApiKey, newOrganisation } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { rpcsWithRule } from "./support/contract-rpcs.js";
import { bearer } from "./support/credentials.js";
import {
  expectMissingScope,
  expectPassesAuthorization,
  expectPermissionDenied,
  transportNames,
} from "./support/outcome.js";
import { createRpcCaller, type RpcCaller } from "./support/rpc-caller.js";

let server: TestServer;
let caller: RpcCaller;

/** Secrets by what they hold, made once in beforeAll and shared by every case of that kind. */
const keys = {
  allButScope: new Map<string, string>(),
  onlyScope: new Map<string, string>(),
  sandboxOnlyScope: new Map<string, string>(),
  everyScope: "",
};

function secretOf(map: Map<string, string>, scope: string): string {
  const secret = map.get(scope);
  if (secret === undefined) throw new Error(`fixture: no key made for ${scope}`);
  return secret;
}

beforeAll(async () => {
  server = await startTestServer();
  caller = createRpcCaller(server);
  const [live, sandbox] = await Promise.all([newOrganisation(server), newOrganisation(server, true)]);
  keys.everyScope = (await newApiKey(server, live)).secret;
  for (const scope of allScopes) {
    const [allBut, only, sandboxOnly] = await Promise.all([
      newApiKey(
        server,
        live,
        allScopes.filter((s) => s !== scope),
      ),
      newApiKey(server, live, [scope]),
      newApiKey(server, sandbox, [scope]),
    ]);
    keys.allButScope.set(scope, allBut.secret);
    keys.onlyScope.set(scope, only.secret);
    keys.sandboxOnlyScope.set(scope, sandboxOnly.secret);
  }
});

afterAll(async () => {
  caller?.close();
  await server?.close();
});

const scopedRpcs = rpcsWithRule("scope");

const missingScopeCases = scopedRpcs.flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport} with a key holding every scope but ${rpc.rule.scope} → PERMISSION_DENIED naming ${rpc.rule.scope}`,
        { rpc, transport },
      ] as const,
  ),
);

const onlyScopeCases = scopedRpcs.flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport} with a key holding only ${rpc.rule.scope} → passes authorization`,
        { rpc, transport },
      ] as const,
  ),
);

describe("an RPC that takes a scope", () => {
  it.each(missingScopeCases)("%s", async (_title, { rpc, transport }) => {
    const outcome = await caller.call(transport, rpc, bearer(secretOf(keys.allButScope, rpc.rule.scope)));
    expectMissingScope(
      outcome,
      rpc.rule.scope,
      `${rpc.path} over ${transport} with a key holding every scope but ${rpc.rule.scope}`,
    );
  });

  it.each(onlyScopeCases)("%s", async (_title, { rpc, transport }) => {
    const outcome = await caller.call(transport, rpc, bearer(secretOf(keys.onlyScope, rpc.rule.scope)));
    expectPassesAuthorization(outcome, `${rpc.path} over ${transport} with a key holding only ${rpc.rule.scope}`);
  });
});

const sessionOnlyCases = rpcsWithRule("session_only").flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport} with a key holding all six scopes → PERMISSION_DENIED (SESSION_REQUIRED)`,
        { rpc, transport },
      ] as const,
  ),
);

describe("a session-only RPC", () => {
  it.each(sessionOnlyCases)("%s", async (_title, { rpc, transport }) => {
    const outcome = await caller.call(transport, rpc, bearer(keys.everyScope));
    expectPermissionDenied(
      outcome,
      "SESSION_REQUIRED",
      {},
      `${rpc.path} over ${transport} with a key holding all six scopes`,
    );
  });
});

const authenticatedCases = rpcsWithRule("authenticated").flatMap((rpc) =>
  transportNames.flatMap((transport) =>
    allScopes.map(
      (scope) =>
        [
          `${rpc.name} over ${transport} with a sandbox organisation's key holding only ${scope} → passes authorization`,
          { rpc, transport, scope },
        ] as const,
    ),
  ),
);

describe("an RPC open to any authenticated caller (the sandbox simulators)", () => {
  it.each(authenticatedCases)("%s", async (_title, { rpc, transport, scope }) => {
    const outcome = await caller.call(transport, rpc, bearer(secretOf(keys.sandboxOnlyScope, scope)));
    expectPassesAuthorization(
      outcome,
      `${rpc.path} over ${transport} with a sandbox organisation's key holding only ${scope}`,
    );
  });
});
