/**
 * The shared security suite, authorization of signed-in users: a session holds the scopes of its
 * role (viewer: the four read scopes; member and admin: all six), session-only RPCs admit the roles
 * their rule names (ApiKeyService: admin; collection schedule writes: admin and member; sign-out and
 * who-am-I: anyone signed in), and the sandbox simulators admit any session. Over REST, Connect and a
 * real @grpc/grpc-js client, with the session cookie the browser would send.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { SessionService } from "../../gen/dd/v1/sessions_pb.js";
import type { RoleName } from "../../src/modules/identity/scopes.js";
import { newOrganisation, newSignedInUser } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { type ContractRpc, rpcsWithRule } from "./support/contract-rpcs.js";
import { cookieHeader } from "./support/credentials.js";
import {
  expectMissingScope,
  expectPassesAuthorization,
  expectPermissionDenied,
  transportNames,
} from "./support/outcome.js";
import { createRpcCaller, type RequestHeaders, type RpcCaller } from "./support/rpc-caller.js";

const roles: readonly RoleName[] = ["admin", "member", "viewer"];

/**
 * RPCs that end the session they are called with. Their passing cases sign in afresh, so the
 * shared sessions the other cases use stay alive whatever order the cases run in.
 */
const endsTheSession: ReadonlySet<string> = new Set([
  `${SessionService.typeName}/${SessionService.method.signOut.name}`,
]);

let server: TestServer;
let caller: RpcCaller;
let liveOrganisation = "";
/** Session cookies by role: one user per role in a live organisation and in a sandbox one. */
const liveSessions = new Map<RoleName, string>();
const sandboxSessions = new Map<RoleName, string>();

beforeAll(async () => {
  server = await startTestServer();
  caller = createRpcCaller(server);
  const [live, sandbox] = await Promise.all([newOrganisation(server), newOrganisation(server, true)]);
  liveOrganisation = live;
  await Promise.all(
    roles.flatMap((role) => [
      newSignedInUser(server, live, role).then((user) => liveSessions.set(role, user.cookie)),
      newSignedInUser(server, sandbox, role).then((user) => sandboxSessions.set(role, user.cookie)),
    ]),
  );
});

afterAll(async () => {
  caller?.close();
  await server?.close();
});

function article(role: RoleName): string {
  return role === "admin" ? "an" : "a";
}

function sessionOf(sessions: Map<RoleName, string>, role: RoleName): RequestHeaders {
  const cookie = sessions.get(role);
  if (cookie === undefined) throw new Error(`fixture: no ${role} session`);
  return cookieHeader(cookie);
}

/** sessionFor gives the shared session of the role, or a fresh one when the RPC would end it. */
async function sessionFor(rpc: ContractRpc, role: RoleName): Promise<RequestHeaders> {
  if (!endsTheSession.has(rpc.path)) return sessionOf(liveSessions, role);
  return cookieHeader((await newSignedInUser(server, liveOrganisation, role)).cookie);
}

/**
 * roleHolds is the product rule, written here rather than read from the server's role table so the
 * suite checks that table instead of repeating it: viewers read, members and admins also write.
 */
function roleHolds(role: RoleName, scope: string): boolean {
  return role !== "viewer" || scope.endsWith(":read");
}

const scopeCases = rpcsWithRule("scope").flatMap((rpc) =>
  transportNames.flatMap((transport) =>
    roles.map((role) => {
      const allowed = roleHolds(role, rpc.rule.scope);
      const expected = allowed ? "passes authorization" : `PERMISSION_DENIED naming ${rpc.rule.scope}`;
      return [
        `${rpc.name} over ${transport} with ${article(role)} ${role}'s session → ${expected}`,
        { rpc, transport, role, allowed },
      ] as const;
    }),
  ),
);

describe("an RPC that takes a scope, called in a session", () => {
  it.each(scopeCases)("%s", async (_title, { rpc, transport, role, allowed }) => {
    const outcome = await caller.call(transport, rpc, sessionOf(liveSessions, role));
    const context = `${rpc.path} over ${transport} with ${article(role)} ${role}'s session`;
    if (allowed) expectPassesAuthorization(outcome, context);
    else expectMissingScope(outcome, rpc.rule.scope, context);
  });
});

const sessionOnlyCases = rpcsWithRule("session_only").flatMap((rpc) =>
  transportNames.flatMap((transport) =>
    roles.map((role) => {
      // An empty role list means any signed-in user (access.proto, AccessRule.SessionOnly.roles).
      const allowed = rpc.rule.roles.length === 0 || rpc.rule.roles.includes(role);
      const expected = allowed ? "passes authorization" : "PERMISSION_DENIED (ROLE_REQUIRED)";
      return [
        `${rpc.name} over ${transport} with ${article(role)} ${role}'s session → ${expected}`,
        { rpc, transport, role, allowed },
      ] as const;
    }),
  ),
);

describe("a session-only RPC", () => {
  it.each(sessionOnlyCases)("%s", async (_title, { rpc, transport, role, allowed }) => {
    const outcome = await caller.call(transport, rpc, await sessionFor(rpc, role));
    const context = `${rpc.path} over ${transport} with ${article(role)} ${role}'s session`;
    if (allowed) expectPassesAuthorization(outcome, context);
    else expectPermissionDenied(outcome, "ROLE_REQUIRED", {}, context);
  });
});

const authenticatedCases = rpcsWithRule("authenticated").flatMap((rpc) =>
  transportNames.flatMap((transport) =>
    roles.map(
      (role) =>
        [
          `${rpc.name} over ${transport} with a sandbox organisation ${role}'s session → passes authorization`,
          { rpc, transport, role },
        ] as const,
    ),
  ),
);

describe("an RPC open to any authenticated caller (the sandbox simulators), called in a session", () => {
  it.each(authenticatedCases)("%s", async (_title, { rpc, transport, role }) => {
    const outcome = await caller.call(transport, rpc, sessionOf(sandboxSessions, role));
    expectPassesAuthorization(outcome, `${rpc.path} over ${transport} with a sandbox organisation ${role}'s session`);
  });
});
