/**
 * The shared security suite, tenancy: another organisation's id answers NOT_FOUND. For every request
 * field of the contract that names a resource (found in the descriptors by id-fields.ts: path
 * variables, filters, references), the resource is made in organisation B through the API, and
 * organisation A, holding the scope or role the RPC needs, sends its id over REST, Connect and a real
 * @grpc/grpc-js client. A gets NOT_FOUND (a List filtered by it: an empty page), exactly the answer
 * it gets for a missing id of the same shape, so it cannot even learn the id exists; nothing B owns
 * changes (a digest of all B's rows); and B's own identical call succeeds (finds the resource, or
 * lists it), so a NOT_FOUND here always means "not yours", never "malformed request".
 *
 * CompleteMandateInvite is public: its token is the payer's credential, and a live token completes
 * its invite whoever sends it. What applies there is a dead token of B's (superseded by a resend):
 * NOT_FOUND, as for a token never issued, with B's mandate untouched, while B's live one completes it.
 */
import { randomBytes } from "node:crypto";
import type { DescMethod, JsonValue } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/dd/v1/access_pb.js";
import { AlertService } from "../../gen/dd/v1/alerts_pb.js";
import { ApiKeyService } from "../../gen/dd/v1/api_keys_pb.js";
import { AuditService } from "../../gen/dd/v1/audit_pb.js";
import { BankDetailsService } from "../../gen/dd/v1/bank_details_pb.js";
import { CollectionService, IntervalUnit } from "../../gen/dd/v1/collections_pb.js";
import { MandateInviteService, MandateService } from "../../gen/dd/v1/mandates_pb.js";
import { ReportService } from "../../gen/dd/v1/reports_pb.js";
import { CollectionScenario, MandateScenario, SandboxService } from "../../gen/dd/v1/sandbox_pb.js";
import { SessionService } from "../../gen/dd/v1/sessions_pb.js";
import { UserService } from "../../gen/dd/v1/users_pb.js";
import { WebhookEndpointService } from "../../gen/dd/v1/webhooks_pb.js";
import { londonDate } from "../../src/modules/calendar/london-date.js";
import { newId } from "../../src/platform/ids.js";
import { goodBankDetails } from "../support/mandates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { startReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";
import { type ContractRpc, contractRpcs } from "./support/contract-rpcs.js";
import { type IdField, type IdFieldRole, idFieldsOf, requestWith } from "./support/id-fields.js";
import {
  credentialsFor,
  describeCredentials,
  fingerprint,
  newParty,
  type Party,
  Resources,
} from "./support/organisations.js";
import {
  codeName,
  describeOutcome,
  expectNotFound,
  type Outcome,
  type TransportName,
  transportNames,
} from "./support/outcome.js";
import { createRpcCaller, type RequestFields, type RpcCaller } from "./support/rpc-caller.js";

let server: TestServer;
let caller: RpcCaller;
/** A calls; B owns. Both are sandbox organisations, so the sandbox simulators act for both. */
let A: Party;
let B: Party;
let ofB: Resources;
let hooks: WebhookReceiver | undefined;

beforeAll(async () => {
  server = await startTestServer({ rateLimit: { sessionPerMinute: 10_000_000, sessionBurst: 1_000_000 } });
  caller = createRpcCaller(server);
  [A, B] = await Promise.all([newParty(server, "A"), newParty(server, "B")]);
  hooks = await startReceiver();
  ofB = new Resources(server, B, hooks.url);
  await ofB.enableFailedCollectionAlerts();
  await prepareResources();
  // Every writing case gets resources of its own (hundreds of REST calls): more than the default hook time.
}, 240_000);

afterAll(async () => {
  caller?.close();
  await hooks?.close();
  await server?.close();
});

const pathOf = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;

/**
 * The RPCs whose requests name no resource, as written here on purpose: an RPC missing from this
 * list and from the cases below is one whose id field the suite cannot see (a name it does not
 * recognise), which must fail rather than escape the tenancy cases.
 */
const takesNoId: readonly string[] = [
  pathOf(MandateService.method.createMandate),
  pathOf(MandateService.method.listMandates),
  pathOf(BankDetailsService.method.validateBankDetails),
  pathOf(AlertService.method.listAlerts),
  pathOf(AlertService.method.listAlertThresholds),
  pathOf(ReportService.method.getCollectionReport),
  pathOf(ReportService.method.getSuccessRates),
  pathOf(ReportService.method.listClawbacks),
  pathOf(ApiKeyService.method.createApiKey),
  pathOf(ApiKeyService.method.listApiKeys),
  pathOf(SessionService.method.signIn),
  pathOf(SessionService.method.signOut),
  pathOf(SessionService.method.getCurrentSession),
  pathOf(SessionService.method.changePassword),
  pathOf(SessionService.method.enrollTotp),
  pathOf(SessionService.method.confirmTotp),
  pathOf(SessionService.method.disableTotp),
  pathOf(UserService.method.listUsers),
  pathOf(UserService.method.createUser),
  pathOf(AuditService.method.listAuditEvents),
  pathOf(WebhookEndpointService.method.createWebhookEndpoint),
  pathOf(WebhookEndpointService.method.listWebhookEndpoints),
];

/** Owned is what one of B's resources is called by in a request. */
interface Owned {
  /** What A sends in the field. */
  value: string;
  /** What B sends in its own call, when not the same (a token: B's live one, A's the superseded one). */
  ownValue?: string;
}

type Make = (resources: Resources) => Promise<Owned>;

const mandate: Make = async (r) => ({ value: (await r.mandate()).id });
const scheduledMandate: Make = async (r) => ({ value: (await r.scheduledMandate()).mandateId });
const schedule: Make = async (r) => ({ value: (await r.scheduledMandate()).scheduleId });
const collection: Make = async (r) => ({ value: (await r.scheduledMandate()).collectionId });
const pausedSchedule: Make = async (r) => ({ value: await r.pausedSchedule() });
const alert: Make = async (r) => ({ value: await r.openAlert() });
const threshold: Make = async (r) => ({ value: await r.threshold() });
const apiKey: Make = async (r) => ({ value: await r.apiKey() });
const user: Make = async (r) => ({ value: await r.user() });
const webhookEndpoint: Make = async (r) => ({ value: await r.webhookEndpoint() });
const webhookDelivery: Make = async (r) => ({ value: await r.webhookDelivery() });
const usedWelcome: Make = async (r) => {
  const { usedToken, liveToken } = await r.usedWelcome();
  return { value: usedToken, ownValue: liveToken };
};
const supersededInvite: Make = async (r) => {
  const { supersededToken, liveToken } = await r.resentInvite();
  return { value: supersededToken, ownValue: liveToken };
};

/**
 * How to make, in B, the resource a field names (fresh for every case of an RPC that writes, as B's
 * own call may change it). A filter gets a mandate with a schedule, a collection and a notification,
 * so B's own filtered list is never empty.
 */
const makers: Record<string, (role: IdFieldRole) => Make> = {
  mandate: (role) => (role === "filter" ? scheduledMandate : mandate),
  schedule: () => schedule,
  // UpdateCollectionSchedule names its schedule by the message's own id (schedule.id).
  collection_schedule: () => schedule,
  collection: () => collection,
  alert: () => alert,
  alert_threshold: () => threshold,
  api_key: () => apiKey,
  invite: () => supersededInvite,
  user: () => user,
  welcome: () => usedWelcome,
  webhook_endpoint: () => webhookEndpoint,
  delivery: () => webhookDelivery,
};

/**
 * What some RPCs need for B's own call to succeed: the resource in another state, or the other
 * fields of a valid request. Every other RPC gets a fresh resource and a request holding the id
 * alone; B's own call (which must succeed) proves that is enough.
 */
const needs: Record<string, { make?: Make; fields?: RequestFields }> = {
  [pathOf(MandateService.method.updateMandate)]: {
    fields: { mandate: { metadata: { checked_by: "security suite" } }, updateMask: { paths: ["metadata"] } },
  },
  [pathOf(MandateService.method.suspendMandate)]: {
    make: async (r) => ({ value: (await r.activeMandate()).id }),
  },
  [pathOf(MandateService.method.reactivateMandate)]: {
    make: async (r) => ({ value: (await r.suspendedMandate()).id }),
  },
  [pathOf(MandateInviteService.method.completeMandateInvite)]: {
    fields: {
      accountHolderName: goodBankDetails.account_holder_name,
      sortCode: goodBankDetails.sort_code,
      accountNumber: goodBankDetails.account_number,
      accountHolderConfirmed: true,
    },
  },
  [pathOf(CollectionService.method.createCollectionSchedule)]: {
    fields: {
      schedule: { amountMinor: 12_500n, intervalUnit: IntervalUnit.MONTHLY, startDate: londonDate(new Date()) },
    },
  },
  // A fresh mandate per case: its one-off takes the earliest free day, so no call clashes with another.
  [pathOf(CollectionService.method.createCollection)]: { fields: { collection: { amountMinor: 4_250n } } },
  [pathOf(CollectionService.method.retryCollection)]: {
    make: async (r) => ({ value: await r.failedCollection() }),
  },
  [pathOf(CollectionService.method.updateCollectionSchedule)]: {
    fields: { schedule: { amountMinor: 13_000n }, updateMask: { paths: ["amount_minor"] } },
  },
  [pathOf(CollectionService.method.resumeCollectionSchedule)]: { make: pausedSchedule },
  [pathOf(AlertService.method.updateAlertThreshold)]: {
    fields: { threshold: { enabled: false }, updateMask: { paths: ["enabled"] } },
  },
  [pathOf(UserService.method.updateUser)]: {
    fields: { user: { role: Role.VIEWER }, updateMask: { paths: ["role"] } },
  },
  [pathOf(WebhookEndpointService.method.updateWebhookEndpoint)]: {
    fields: {
      webhookEndpoint: { description: "checked by the security suite" },
      updateMask: { paths: ["description"] },
    },
  },
  [pathOf(UserService.method.completeWelcome)]: { fields: { password: "the security suite's password" } },
  [pathOf(SandboxService.method.simulateMandateScenario)]: { fields: { scenario: MandateScenario.ACTIVATE } },
  [pathOf(SandboxService.method.simulateCollectionScenario)]: { fields: { scenario: CollectionScenario.FAIL } },
};

/** merge lays the id's request over the other fields (plain objects only, as requests are written here). */
function merge(base: unknown, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] =
      typeof value === "object" && value !== null && typeof under === "object" && under !== null
        ? merge(under, value as Record<string, unknown>)
        : value;
  }
  return merged;
}

/** sameShape is a value shaped like the given id or token that names nothing. */
function sameShape(value: string): string {
  if (/^[A-Z]{2}[0-9A-Z]{26}$/.test(value)) return newId(value.slice(0, 2), Date.now());
  if (/^[A-Za-z0-9_-]{43}$/.test(value)) return randomBytes(32).toString("base64url");
  throw new Error(`fixture: no missing value of the shape of ${JSON.stringify(value)}: teach sameShape`);
}

/** What a caller sees of an answer, with the value it sent written as <sent> (an error may echo it). */
function seen(outcome: Outcome, sent: string) {
  const { code, httpStatus, message, errorInfo, wwwAuthenticate, retryAfter, response } = outcome;
  const visible = { code, httpStatus, message, errorInfo, wwwAuthenticate, retryAfter, response };
  return JSON.parse(JSON.stringify(visible).replaceAll(sent, "<sent>")) as unknown;
}

/** pageItems counts the items of a List answer: the elements of its repeated fields. */
function pageItems(response: JsonValue | undefined): number {
  if (response === null || typeof response !== "object" || Array.isArray(response)) return 0;
  return Object.values(response).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
}

function what(field: IdField): string {
  if (field.resource === "invite") return "superseded invite token";
  if (field.resource === "welcome") return "used welcome token";
  return field.resource.replaceAll("_", " ");
}

const idCases = contractRpcs.flatMap((rpc) =>
  idFieldsOf(rpc).flatMap((field) =>
    transportNames.map((transport) => {
      const expected = field.role === "filter" ? "an empty page" : "NOT_FOUND";
      const whose = rpc.rule.kind === "public" ? "" : ` with ${describeCredentials("A", rpc.rule)}`;
      return [
        `${rpc.name} over ${transport}${whose}, ${field.dotted} = organisation B's ${what(field)} → ${expected}, as for a missing one`,
        { rpc, field, transport } as IdCase,
      ] as const;
    }),
  ),
);

/** IdCase is one id field of one RPC over one transport. */
interface IdCase {
  rpc: ContractRpc;
  field: IdField;
  transport: TransportName;
}

/** B's resource of each case, made before any case runs: nothing of B's may change while one does. */
const prepared = new Map<IdCase, Promise<Owned>>();

/**
 * prepareResources makes every case's resource in B, four at a time. An RPC that only reads (its
 * idempotency_level is NO_SIDE_EFFECTS) leaves its resource as it was, even after B's own call, so
 * such cases share one per kind; every other case gets its own.
 */
async function prepareResources(): Promise<void> {
  const shared = new Map<Make, Promise<Owned>>();
  const jobs = idCases.map(([, idCase]) => () => {
    const make = makerOf(idCase);
    if (!make) return Promise.resolve();
    const readsOnly = idCase.rpc.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
    let owned = readsOnly ? shared.get(make) : undefined;
    if (!owned) {
      owned = make(ofB);
      if (readsOnly) shared.set(make, owned);
    }
    // A failure belongs to its case, which awaits it; the rest still run.
    owned.catch(() => undefined);
    prepared.set(idCase, owned);
    return owned.then(
      () => undefined,
      () => undefined,
    );
  });
  const workers = Array.from({ length: 4 }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job();
  });
  await Promise.all(workers);
}

function makerOf({ rpc, field }: IdCase): Make | undefined {
  return needs[rpc.path]?.make ?? makers[field.resource]?.(field.role);
}

describe("the request fields that name a resource", () => {
  it("are found in every RPC but those listed as naming none", () => {
    const namingNone = contractRpcs.filter((rpc) => idFieldsOf(rpc).length === 0).map((rpc) => rpc.path);
    expect(namingNone).toEqual(takesNoId);
  });

  it("name only resources the suite can make in organisation B", () => {
    const named = contractRpcs.flatMap((rpc) => idFieldsOf(rpc).map((field) => `${rpc.path} ${field.dotted}`));
    const unknown = contractRpcs.flatMap((rpc) =>
      idFieldsOf(rpc)
        .filter((field) => makers[field.resource] === undefined)
        .map((field) => `${rpc.path} ${field.dotted} (${field.resource})`),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(unknown, "teach makers in foreign-ids.test.ts to make these").toEqual([]);
  });

  it("include every path variable of every route, so no RPC acting on one resource escapes", () => {
    const variables = contractRpcs.flatMap((rpc) =>
      [...rpc.route.path.matchAll(/\{([^}=]+)/g)].map((match) => `${rpc.path} ${match[1]}`),
    );
    const targets = contractRpcs.flatMap((rpc) =>
      idFieldsOf(rpc)
        .filter((field) => field.role === "target")
        .map((field) => `${rpc.path} ${field.dotted}`),
    );
    expect(variables.length).toBeGreaterThan(0);
    expect(targets).toEqual(expect.arrayContaining(variables));
  });
});

describe("another organisation's id", () => {
  it.each(idCases)("%s", async (_title, idCase) => {
    const { rpc, field, transport } = idCase;
    const need = needs[rpc.path];
    const owned = await prepared.get(idCase);
    if (!owned) throw new Error(`no maker for ${field.resource}: teach makers to make one`);
    const missing = sameShape(owned.value);
    const request = (value: string) => merge(need?.fields ?? {}, requestWith(rpc, field.path, value));
    const context = `${rpc.path} over ${transport}, ${field.dotted} = B's ${what(field)} ${owned.value}`;

    const before = await fingerprint(server, B.organisationId);
    const foreign = await caller.call(transport, rpc, credentialsFor(A, rpc.rule), request(owned.value));
    const absent = await caller.call(transport, rpc, credentialsFor(A, rpc.rule), request(missing));
    const after = await fingerprint(server, B.organisationId);

    if (field.role === "filter") {
      expect(codeName(foreign.code), `${context}: ${describeOutcome(foreign)}`).toBe("OK");
      expect(pageItems(foreign.response), `${context}: listed B's items: ${describeOutcome(foreign)}`).toBe(0);
    } else {
      expectNotFound(foreign, context);
    }
    expect(seen(foreign, owned.value), `${context}: answered unlike a missing ${what(field)}`).toEqual(
      seen(absent, missing),
    );
    expect(after, `${context}: something B owns changed`).toEqual(before);

    // The control: B's own identical call succeeds, so the request was sound and the id live.
    const own = await caller.call(transport, rpc, credentialsFor(B, rpc.rule), request(owned.ownValue ?? owned.value));
    const ownContext = `${rpc.path} over ${transport}: B's own call with ${owned.ownValue ?? owned.value}`;
    expect(codeName(own.code), `${ownContext}: ${describeOutcome(own)}`).toBe("OK");
    if (field.role === "filter")
      expect(pageItems(own.response), `${ownContext} listed nothing: ${describeOutcome(own)}`).toBeGreaterThan(0);
  });
});
