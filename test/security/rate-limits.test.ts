/**
 * The shared security suite, rate limits: over the limit → RESOURCE_EXHAUSTED. What counts is what
 * src/rpc/interceptors/rate-limit.ts promises: a call with an API key counts against its
 * organisation's limit, a call in a session against the signed-in user's own limit, and both are
 * checked after authentication and authorization. So every RPC an API key may call (scoped RPCs and
 * the sandbox simulators) answers RESOURCE_EXHAUSTED to a key of an organisation over its limit, and
 * every RPC a signed-in user may call answers it to a user over theirs: HTTP 429 with Retry-After on
 * REST and Connect, status 8 with Retry-After and RetryInfo on gRPC, and a QuotaFailure naming the
 * organisation or user. Over REST, Connect and a real @grpc/grpc-js client.
 *
 * The exceptions are named below: public RPCs have no caller to count (their client address is
 * counted instead, and SignIn is also throttled per email and per address), and an API key on a
 * session-only RPC is refused before any limit.
 *
 * Before authentication the client address is what counts: every public RPC answers
 * RESOURCE_EXHAUSTED to an address over its public limit, and every RPC that needs credentials
 * answers it to a made-up key from an address whose failed-authentication budget is spent. Those
 * cases run on a second server with tiny per-address limits that believes X-Forwarded-For from
 * 127.0.0.1, so each spent address is one the test made up.
 *
 * Limits are tiny (1 a minute, burst 1) so one call spends them, with no waiting: each spent
 * credential is used only within 30 s of the call that spent it (the limit refills after 60 s), and a
 * fresh one is made when that time is up. This server has its own Redis key prefix, so parallel
 * runs never share a bucket.
 */
import { randomBytes } from "node:crypto";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BankDetailsService } from "../../gen/dd/v1/bank_details_pb.js";
import { MandateInviteService, MandateService } from "../../gen/dd/v1/mandates_pb.js";
import { SessionService } from "../../gen/dd/v1/sessions_pb.js";
import { UserService } from "../../gen/dd/v1/users_pb.js";
import { generateApiKey } from "../../src/modules/identity/api-key-format.js";
import type { RoleName } from "../../src/modules/identity/scopes.js";
import { newApiKey, newOrganisation, newSignedInUser, newUser } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { checkEach } from "./support/check-each.js";
import { type ContractRpc, contractRpcs, rpcsNeedingCredentials, rpcsWithRule } from "./support/contract-rpcs.js";
import { bearer, cookieHeader } from "./support/credentials.js";
import {
  codeName,
  describeOutcome,
  expectPassesAuthorization,
  expectPermissionDenied,
  expectResourceExhausted,
  transportNames,
} from "./support/outcome.js";
import { createRpcCaller, type RequestFields, type RequestHeaders, type RpcCaller } from "./support/rpc-caller.js";

/** The smallest limit there is: one call a minute, no burst beyond it. */
const tiny = { perMinute: 1, burst: 1 };
/** How long a spent credential is trusted to stay spent; the limit refills after 60 s. */
const spentForMs = 30_000;

let server: TestServer;
let caller: RpcCaller;
/** The server for per-address cases: tiny per-address limits, X-Forwarded-For from 127.0.0.1 believed. */
let addressed: TestServer;
let addressedCaller: RpcCaller;
/** A sandbox organisation whose users the session cases sign in (its own limit is never used). */
let staffOrganisation = "";

beforeAll(async () => {
  [server, addressed] = await Promise.all([
    startTestServer({ rateLimit: { sessionPerMinute: tiny.perMinute, sessionBurst: tiny.burst } }),
    startTestServer({
      trustedProxies: ["127.0.0.1"],
      rateLimit: {
        failedAuthPerMinute: tiny.perMinute,
        failedAuthBurst: tiny.burst,
        publicPerMinute: tiny.perMinute,
        publicBurst: tiny.burst,
      },
    }),
  ]);
  caller = createRpcCaller(server);
  addressedCaller = createRpcCaller(addressed);
  staffOrganisation = await newOrganisation(server, true);
});

afterAll(async () => {
  caller?.close();
  addressedCaller?.close();
  await Promise.all([server?.close(), addressed?.close()]);
});

const pathOf = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;

function rpcOf(method: DescMethod): ContractRpc {
  const rpc = contractRpcs.find((r) => r.path === pathOf(method));
  if (!rpc) throw new Error(`${pathOf(method)} is not in the contract`);
  return rpc;
}

/** Credentials over their limit, and the QuotaFailure subject a refusal must name. */
interface OverLimit {
  headers: RequestHeaders;
  quotaSubject: string;
}

/**
 * SpentCredentials hands out credentials whose limit one call has just spent. When the last ones were
 * spent longer than spentForMs ago, it makes and spends fresh ones, so a refusal never depends on how
 * fast the machine runs.
 */
class SpentCredentials {
  private current: (OverLimit & { spentAt: number }) | undefined;

  constructor(
    private readonly label: string,
    private readonly make: () => Promise<OverLimit>,
    private readonly spendWith: ContractRpc,
  ) {}

  async get(): Promise<OverLimit> {
    if (this.current && performance.now() - this.current.spentAt < spentForMs) return this.current;
    const fresh = await this.make();
    const spent = await caller.call("REST", this.spendWith, fresh.headers);
    // The spending call itself is within the limit: if it were refused, the cases would prove nothing.
    if (spent.code === Code.ResourceExhausted || spent.code === Code.Unauthenticated)
      throw new Error(`fixture: ${this.label} could not spend its limit: ${describeOutcome(spent)}`);
    this.current = { ...fresh, spentAt: performance.now() };
    return this.current;
  }
}

/** A key holding all six scopes, of a sandbox organisation limited to one call a minute. */
const spentKey = new SpentCredentials(
  "an organisation's key",
  async () => {
    const organisationId = await newOrganisation(server, true);
    // Before the organisation's first call, so the limit cache (organisation-settings.ts) loads this one.
    await server.admin.em
      .fork()
      .getConnection()
      .execute(`update "organisation" set "rate_limit_per_minute" = ?, "rate_limit_burst" = ? where "id" = ?`, [
        tiny.perMinute,
        tiny.burst,
        organisationId,
      ]);
    const { secret } = await newApiKey(server, organisationId);
    return { headers: bearer(secret), quotaSubject: `organisation:${organisationId}` };
  },
  rpcOf(MandateService.method.listMandates),
);

/** Sessions of users of each role, each user limited to one call a minute (this server's setting). */
const spentSessions = new Map<RoleName, SpentCredentials>();

function spentSession(role: RoleName): SpentCredentials {
  let spent = spentSessions.get(role);
  if (!spent) {
    spent = new SpentCredentials(
      `${role}'s session`,
      async () => {
        const user = await newSignedInUser(server, staffOrganisation, role);
        return { headers: cookieHeader(user.cookie), quotaSubject: `user:${user.id}` };
      },
      rpcOf(SessionService.method.getCurrentSession),
    );
    spentSessions.set(role, spent);
  }
  return spent;
}

/** roleFor picks a role the RPC admits: the first its rule names, or admin (who holds every scope). */
function roleFor(rpc: ContractRpc): RoleName {
  return rpc.rule.kind === "session_only" ? (rpc.rule.roles[0] ?? "admin") : "admin";
}

const keyCallable = contractRpcs.filter((rpc) => rpc.rule.kind === "scope" || rpc.rule.kind === "authenticated");
const sessionCallable = contractRpcs.filter((rpc) => rpc.rule.kind !== "public");

const keyCases = keyCallable.flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport} with the key of an organisation over its limit → RESOURCE_EXHAUSTED`,
        { rpc, transport },
      ] as const,
  ),
);

const sessionCases = sessionCallable.flatMap((rpc) =>
  transportNames.map(
    (transport) =>
      [
        `${rpc.name} over ${transport} in the session of ${roleFor(rpc) === "admin" ? "an" : "a"} ${roleFor(rpc)} over their limit → RESOURCE_EXHAUSTED`,
        { rpc, transport },
      ] as const,
  ),
);

describe("over the organisation's limit, an API key", () => {
  it.each(keyCases)("%s", async (_title, { rpc, transport }) => {
    const spent = await spentKey.get();
    const outcome = await caller.call(transport, rpc, spent.headers);
    expectResourceExhausted(
      outcome,
      { reason: "RATE_LIMITED", quotaSubject: spent.quotaSubject },
      `${rpc.path} over ${transport} with a key of ${spent.quotaSubject} over its limit`,
    );
  });
});

describe("over the user's limit, a signed-in user", () => {
  it.each(sessionCases)("%s", async (_title, { rpc, transport }) => {
    const spent = await spentSession(roleFor(rpc)).get();
    const outcome = await caller.call(transport, rpc, spent.headers);
    expectResourceExhausted(
      outcome,
      { reason: "RATE_LIMITED", quotaSubject: spent.quotaSubject },
      `${rpc.path} over ${transport} in a session of ${spent.quotaSubject} over its limit`,
    );
  });
});

/**
 * The RPCs no caller's limit counts, and what limits them instead: they are public, so there is no
 * caller to count (the interceptor passes calls without one). Adding a public RPC fails the suite
 * until its line is written here.
 */
const notCountedAgainstCallers: Record<string, string> = {
  [pathOf(MandateInviteService.method.getMandateInvite)]:
    "its client address's public limit; its token: 256 random bits, void once used, resent or expired",
  [pathOf(MandateInviteService.method.completeMandateInvite)]:
    "its client address's public limit; its token: single use, 256 random bits, void once used, resent or expired",
  [pathOf(BankDetailsService.method.validateBankDetails)]:
    "its client address's public limit; it reads and writes nothing, and says only whether details are well formed",
  [pathOf(UserService.method.completeWelcome)]:
    "its client address's public limit; its token: single use, 256 random bits, void once used or expired",
  [pathOf(SessionService.method.signIn)]:
    "its client address's public limit, then its own throttle: 10 attempts per email and 100 per client address every 15 minutes",
};

const signIn = rpcOf(SessionService.method.signIn);
let throttled: Promise<{ email: string; attempt: RequestFields }> | undefined;

/**
 * throttledEmail is an email (of no user) that has had its 10 sign-in attempts; the throttle's
 * window is 15 minutes, so it stays throttled for the rest of the file.
 */
function throttledEmail(): Promise<{ email: string; attempt: RequestFields }> {
  throttled ??= (async () => {
    const email = `throttled-${randomBytes(6).toString("hex")}@example.com`;
    const attempt = { email, password: "not-the-password" };
    const first = await Promise.all(Array.from({ length: 10 }, () => caller.call("REST", signIn, {}, attempt)));
    // Each of the 10 is within the throttle: refused for the wrong password, not by the throttle.
    for (const outcome of first)
      if (codeName(outcome.code) !== "UNAUTHENTICATED")
        throw new Error(`fixture: a first sign-in attempt was not a wrong password: ${describeOutcome(outcome)}`);
    return { email, attempt };
  })();
  return throttled;
}

describe("the exceptions", () => {
  it("are exactly the public RPCs, each named with what limits it instead", () => {
    expect(Object.keys(notCountedAgainstCallers).sort()).toEqual(
      rpcsWithRule("public")
        .map((rpc) => rpc.path)
        .sort(),
    );
  });

  it.each(transportNames)(
    "public RPCs over %s answer a caller whose key or session is over its limit: no caller's limit counts them",
    async (transport) => {
      const signingIn = await newUser(server, staffOrganisation, "viewer");
      const requests: Record<string, RequestFields> = {
        [pathOf(SessionService.method.signIn)]: { email: signingIn.email, password: signingIn.password },
      };
      const overLimit = [await spentKey.get(), await spentSession("admin").get()];
      await checkEach(rpcsWithRule("public"), async (rpc) => {
        for (const spent of overLimit) {
          const outcome = await caller.call(transport, rpc, spent.headers, requests[rpc.path] ?? {});
          const context = `${rpc.path} over ${transport} with the credentials of ${spent.quotaSubject}, over its limit`;
          expect(codeName(outcome.code), `${context}: ${describeOutcome(outcome)}`).not.toBe("RESOURCE_EXHAUSTED");
          expectPassesAuthorization(outcome, context);
        }
      });
    },
  );

  it.each(transportNames)(
    "SignIn over %s, past its throttle of 10 attempts for one email → RESOURCE_EXHAUSTED (SIGN_IN_THROTTLED)",
    async (transport) => {
      const { email, attempt } = await throttledEmail();
      expectResourceExhausted(
        await caller.call(transport, signIn, {}, attempt),
        { reason: "SIGN_IN_THROTTLED" },
        `${signIn.path} over ${transport}, past 10 attempts for ${email}`,
      );
    },
  );

  it.each(transportNames)(
    "session-only RPCs over %s refuse a key over its limit as any key (SESSION_REQUIRED): authorization comes before the limit",
    async (transport) => {
      const spent = await spentKey.get();
      await checkEach(rpcsWithRule("session_only"), async (rpc) =>
        expectPermissionDenied(
          await caller.call(transport, rpc, spent.headers),
          "SESSION_REQUIRED",
          {},
          `${rpc.path} over ${transport} with a key of ${spent.quotaSubject}, over its limit`,
        ),
      );
    },
  );
});

/** A made-up client address (TEST-NET-3) that no case has used. */
function madeUpAddress(): string {
  const b = randomBytes(3);
  return `203.${b[0]}.${b[1]}.${b[2]! % 254 || 1}`;
}

/**
 * SpentAddress hands out an address whose budget one call has just spent, made afresh when the last
 * was spent longer than spentForMs ago (the budget refills after 60 s).
 */
class SpentAddress {
  private current: { headers: RequestHeaders; quotaSubject: string; spentAt: number } | undefined;

  constructor(
    private readonly label: string,
    private readonly spend: (headers: RequestHeaders) => Promise<string>,
  ) {}

  async get(): Promise<{ headers: RequestHeaders; quotaSubject: string }> {
    if (this.current && performance.now() - this.current.spentAt < spentForMs) return this.current;
    const address = madeUpAddress();
    const headers = { "x-forwarded-for": address };
    const first = await this.spend(headers);
    // The spending call itself is within the budget: if it were refused, the cases would prove nothing.
    if (first === "RESOURCE_EXHAUSTED") throw new Error(`fixture: ${this.label} was refused before it was spent`);
    this.current = { headers, quotaSubject: `address:${address}`, spentAt: performance.now() };
    return this.current;
  }
}

const publicSpent = new Map<string, SpentAddress>();

/** spentForPublic is an address that has spent its public limit on the RPC's first call. */
function spentForPublic(rpc: ContractRpc): SpentAddress {
  let spent = publicSpent.get(rpc.path);
  if (!spent) {
    spent = new SpentAddress(`an address calling ${rpc.name}`, async (headers) =>
      codeName((await addressedCaller.call("REST", rpc, headers)).code),
    );
    publicSpent.set(rpc.path, spent);
  }
  return spent;
}

/** An address that has spent its failed-authentication budget on one made-up key. */
const failedAuthSpent = new SpentAddress("an address failing authentication", async (headers) => {
  const outcome = await addressedCaller.call("REST", rpcOf(MandateService.method.listMandates), {
    ...headers,
    ...bearer(generateApiKey("test")),
  });
  return codeName(outcome.code);
});

describe("over its client address's limit, before authentication", () => {
  it.each(
    rpcsWithRule("public").flatMap((rpc) =>
      transportNames.map(
        (transport) => [`${rpc.name} over ${transport} → RESOURCE_EXHAUSTED`, { rpc, transport }] as const,
      ),
    ),
  )("%s", async (_title, { rpc, transport }) => {
    const spent = await spentForPublic(rpc).get();
    expectResourceExhausted(
      await addressedCaller.call(transport, rpc, spent.headers),
      { reason: "RATE_LIMITED", quotaSubject: spent.quotaSubject },
      `${rpc.path} over ${transport} from ${spent.quotaSubject}, over its public limit`,
    );
  });

  it.each(
    rpcsNeedingCredentials.flatMap((rpc) =>
      transportNames.map(
        (transport) =>
          [
            `${rpc.name} over ${transport} with a made-up key, failures spent → RESOURCE_EXHAUSTED`,
            { rpc, transport },
          ] as const,
      ),
    ),
  )("%s", async (_title, { rpc, transport }) => {
    const spent = await failedAuthSpent.get();
    expectResourceExhausted(
      await addressedCaller.call(transport, rpc, { ...spent.headers, ...bearer(generateApiKey("test")) }),
      { reason: "RATE_LIMITED", quotaSubject: spent.quotaSubject },
      `${rpc.path} over ${transport} with a made-up key from ${spent.quotaSubject}, its failures spent`,
    );
  });
});
