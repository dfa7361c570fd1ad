/**
 * The shared security suite, authentication: every RPC that needs credentials refuses each kind of
 * bad credential with UNAUTHENTICATED over REST, Connect and a real @grpc/grpc-js client, and an
 * invalid key gets one answer whatever made it invalid, so a caller cannot probe which keys exist or
 * were revoked. Cases are generated from the contract's descriptors (contract-rpcs.ts).
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../src/modules/identity/api-key-format.js";
import { allScopes, newApiKey, newOrganisation } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { contractRpcs, rpcsNeedingCredentials, rpcsWithRule } from "./support/contract-rpcs.js";
import {
  bearer,
  manualClock,
  revokeKey,
  rotateKey,
  unknownSessionCookie,
  withBrokenChecksum,
} from "./support/credentials.js";
import {
  describeOutcome,
  expectPassesAuthorization,
  expectUnauthenticated,
  type Outcome,
  transportNames,
} from "./support/outcome.js";
import { createRpcCaller, type RequestHeaders, type RpcCaller } from "./support/rpc-caller.js";

/** Lifetime of the expiring key and grace of the rotated one; the clock then moves past both. */
const shortLifeSeconds = 60;

const clock = manualClock();
let server: TestServer;
let caller: RpcCaller;

/** Secrets made in beforeAll; the case table reads them when a case runs. */
const secrets = {
  valid: "",
  badChecksum: "",
  unknown: "",
  revoked: "",
  expired: "",
  rotatedOut: "",
  replacement: "",
};

beforeAll(async () => {
  server = await startTestServer({ clock });
  caller = createRpcCaller(server);
  const organisationId = await newOrganisation(server);
  const [valid, revoked, expiring, rotated] = await Promise.all([
    newApiKey(server, organisationId),
    newApiKey(server, organisationId),
    newApiKey(server, organisationId, allScopes, { ttlSeconds: shortLifeSeconds }),
    newApiKey(server, organisationId),
  ]);
  // Each key must work before it is spoiled, or a refusal below would prove nothing. This also puts
  // each key in the verifier's cache, so the refusals show the cache lets go of it too.
  for (const [label, secret] of Object.entries({ valid, revoked, expiring, rotated })) {
    await assertAuthenticates(secret.secret, `the ${label} key, before it is spoiled`);
  }
  await revokeKey(server, organisationId, revoked.id);
  secrets.replacement = await rotateKey(server, organisationId, rotated.id, shortLifeSeconds);
  await assertAuthenticates(rotated.secret, "the rotated key, inside its grace period");
  clock.advance(2 * shortLifeSeconds);

  secrets.valid = valid.secret;
  secrets.badChecksum = withBrokenChecksum(valid.secret);
  secrets.unknown = generateApiKey("test");
  secrets.revoked = revoked.secret;
  secrets.expired = expiring.secret;
  secrets.rotatedOut = rotated.secret;
});

afterAll(async () => {
  caller?.close();
  await server?.close();
});

/** assertAuthenticates fails the setup unless the key gets past authentication. */
async function assertAuthenticates(secret: string, label: string): Promise<void> {
  const rpc = rpcsNeedingCredentials[0]!;
  const outcome = await caller.call("REST", rpc, bearer(secret));
  if (outcome.code === Code.Unauthenticated)
    throw new Error(`fixture: ${label} does not authenticate on ${rpc.path}: ${describeOutcome(outcome)}`);
}

interface CredentialCase {
  /** Reads in a title: "CreateMandate over REST <label> → UNAUTHENTICATED". */
  label: string;
  headers: () => RequestHeaders;
}

/** Headers that do not carry a usable key: refused before any lookup. */
const malformedCases: CredentialCase[] = [
  { label: "without credentials", headers: () => ({}) },
  { label: "with Authorization: Basic", headers: () => ({ authorization: "Basic ZGQ6c2VjcmV0" }) },
  { label: "with an empty Bearer token", headers: () => ({ authorization: "Bearer " }) },
  { label: "with an unknown session cookie", headers: unknownSessionCookie },
];

/** Well-formed Bearer keys that are not valid: each must get exactly the same answer. */
const invalidKeyCases: CredentialCase[] = [
  { label: "with a key whose checksum does not match", headers: () => bearer(secrets.badChecksum) },
  { label: "with an unknown key", headers: () => bearer(secrets.unknown) },
  { label: "with a revoked key", headers: () => bearer(secrets.revoked) },
  { label: "with an expired key", headers: () => bearer(secrets.expired) },
  { label: "with a rotated key after its grace period", headers: () => bearer(secrets.rotatedOut) },
];

const refusedCases = rpcsNeedingCredentials.flatMap((rpc) =>
  transportNames.flatMap((transport) =>
    [...malformedCases, ...invalidKeyCases].map(
      (credential) =>
        [
          `${rpc.name} over ${transport} ${credential.label} → UNAUTHENTICATED`,
          { rpc, transport, credential },
        ] as const,
    ),
  ),
);

describe("every RPC that needs credentials refuses bad ones", () => {
  it.each(refusedCases)("%s", async (_title, { rpc, transport, credential }) => {
    const outcome = await caller.call(transport, rpc, credential.headers());
    expectUnauthenticated(outcome, `${rpc.path} over ${transport} ${credential.label}`);
  });
});

/** The parts of an answer a caller could compare to learn why a key failed. */
function visibleAnswer(outcome: Outcome) {
  const { code, httpStatus, message, errorInfo, wwwAuthenticate } = outcome;
  return { code, httpStatus, message, errorInfo, wwwAuthenticate };
}

const sameAnswerCases = rpcsNeedingCredentials.flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport}: bad checksum, unknown, revoked, expired and rotated-out keys get one answer`,
        { rpc, transport },
      ] as const,
  ),
);

describe("an invalid key gives no hint of which check failed", () => {
  it.each(sameAnswerCases)("%s", async (_title, { rpc, transport }) => {
    const answers = await Promise.all(
      invalidKeyCases.map(async (credential) => ({
        label: credential.label,
        answer: visibleAnswer(await caller.call(transport, rpc, credential.headers())),
      })),
    );
    const first = answers[0]!;
    for (const { label, answer } of answers.slice(1)) {
      expect(
        answer,
        `${rpc.path} over ${transport}: the answer ${label} differs from the answer ${first.label}`,
      ).toEqual(first.answer);
    }
  });
});

const publicCases = rpcsWithRule("public").flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport} without credentials → answered, not UNAUTHENTICATED`,
        { rpc, transport },
      ] as const,
  ),
);

describe("public RPCs need no credentials", () => {
  // Which RPCs are public is pinned in access-rules.test.ts; here, that none falls between the cases.
  it("and the RPCs that need credentials together make up the whole contract", () => {
    expect(rpcsWithRule("public").length + rpcsNeedingCredentials.length).toBe(contractRpcs.length);
  });

  it.each(publicCases)("%s", async (_title, { rpc, transport }) => {
    const outcome = await caller.call(transport, rpc, {});
    expectPassesAuthorization(outcome, `${rpc.path} over ${transport} without credentials`);
  });
});

describe("keys that are still valid", () => {
  // Controls: if these failed, the refusals above could be refusing everything.
  it.each(transportNames)("get through over %s, including a rotated key's replacement", async (transport) => {
    const rpc = rpcsWithRule("scope")[0]!;
    expectPassesAuthorization(
      await caller.call(transport, rpc, bearer(secrets.valid)),
      `${rpc.path} over ${transport} with a valid key`,
    );
    expectPassesAuthorization(
      await caller.call(transport, rpc, bearer(secrets.replacement)),
      `${rpc.path} over ${transport} with a rotated key's replacement`,
    );
  });
});
