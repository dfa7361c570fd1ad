/**
 * Tenancy, randomised (issue 5, acceptance 2): two sandbox organisations A and B on one real server,
 * each with a full-scope API key, a signed-in admin, mandates (completed through the invite link from
 * the outbox, activated by Bacs processing steps or by the sandbox ACTIVATE scenario), schedules and
 * collections. A fast-check property drives arbitrary sequences of REST calls of every RPC of the
 * issue, by either organisation, on ids and page tokens of either organisation, and checks after
 * every call:
 * - an id of the other organisation answers NOT_FOUND (404), exactly like a missing one; as a list
 *   filter it gives an empty page (or NOT_FOUND);
 * - a page token of the other organisation answers INVALID_ARGUMENT (page_token): tokens are bound to
 *   the organisation they were issued to (src/rpc/pagination.ts), whatever the filters;
 * - no response of the caller (body and decoded next_page_token) contains any id of the other
 *   organisation (mandates, schedules, collections, the organisation id), except ids the caller
 *   itself sent in that request (an error may echo them);
 * - a write on the other organisation's id changes nothing there (its update_time in the database);
 * - nothing answers 5xx, and the caller's own ids read back 200 (so the property is not vacuous).
 * Ownership is read from the database (the ground truth), refreshed after every create and at the end,
 * when every response of the whole run is searched again.
 */
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectionService } from "../gen/dd/v1/collections_pb.js";
import { MandateService } from "../gen/dd/v1/mandates_pb.js";
import { londonDate } from "../src/modules/calendar/london-date.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { createSchedule } from "./support/collections.js";
import { newApiKey, newOrganisation, newSignedInUser } from "./support/fixtures.js";
import { completeMandate, createMandate, mandateIn, type RestAnswer, rest } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

type OrgName = "A" | "B";
const other = (org: OrgName): OrgName => (org === "A" ? "B" : "A");

interface Party {
  name: OrgName;
  organisationId: string;
  secret: string;
  cookie: string;
}

type Kind = "mandates" | "schedules" | "collections";
const prefixOf: Record<Kind, string> = { mandates: "MD", schedules: "CS", collections: "CL" };
const kindOfId = (id: string): Kind =>
  id.startsWith("MD") ? "mandates" : id.startsWith("CS") ? "schedules" : "collections";

/** Truth is what the database says each organisation owns. */
interface Truth {
  owner: Map<string, OrgName>;
  ids: Record<OrgName, Record<Kind, string[]>>;
}

let server: TestServer;
/** The server's clock: today here is today there, even across midnight. */
const clock = new TestClock();
const parties = {} as Record<OrgName, Party>;
let truth: Truth;
/** Page tokens issued to each organisation, with the query (other than page_token) they were issued for. */
const tokens: Record<OrgName, Record<Kind, { token: string; query: string }[]>> = {
  A: { mandates: [], schedules: [], collections: [] },
  B: { mandates: [], schedules: [], collections: [] },
};
/** Every answer of the whole file, by caller, with the ids the caller sent, for the final sweep. */
const answered: { caller: OrgName; text: string; sent: string[]; call: string }[] = [];

async function readTruth(): Promise<Truth> {
  const rows = await server.admin.em
    .fork()
    .getConnection()
    .execute<{ id: string; organisation_id: string }[]>(
      "select id, organisation_id from mandate union all select id, organisation_id from collection_schedule union all select id, organisation_id from collection",
    );
  const owner = new Map<string, OrgName>();
  const ids: Truth["ids"] = {
    A: { mandates: [], schedules: [], collections: [] },
    B: { mandates: [], schedules: [], collections: [] },
  };
  for (const row of rows) {
    const org =
      row.organisation_id === parties.A.organisationId
        ? "A"
        : row.organisation_id === parties.B.organisationId
          ? "B"
          : undefined;
    if (!org) continue;
    owner.set(row.id, org);
    ids[org][kindOfId(row.id)].push(row.id);
  }
  for (const org of ["A", "B"] as const) for (const kind of Object.keys(prefixOf) as Kind[]) ids[org][kind].sort();
  return { owner, ids };
}

async function setUp(name: OrgName): Promise<Party> {
  const organisationId = await newOrganisation(server, true);
  // The property makes a few thousand calls in seconds: lift the organisation's rate limit.
  await server.admin.em
    .fork()
    .nativeUpdate(Organisation, { id: organisationId }, { rateLimitPerMinute: 10_000_000, rateLimitBurst: 1_000_000 });
  const { secret } = await newApiKey(server, organisationId);
  const { cookie } = await newSignedInUser(server, organisationId, "admin");
  const party = { name, organisationId, secret, cookie };
  // Mandates: one active through the invite link and Bacs processing steps, one completed and then
  // activated by the sandbox scenario, one awaiting the payer, one cancelled.
  const viaProcessing = await mandateIn(server, party, "ACTIVE");
  const viaSandbox = await createMandate(server, party);
  await completeMandate(server, viaSandbox);
  const simulated = await rest(server, "POST", `/v1/sandbox/mandates/${viaSandbox.id}:simulate`, secret, {
    scenario: "MANDATE_SCENARIO_ACTIVATE",
  });
  if (simulated.status !== 200)
    throw new Error(`ACTIVATE failed: ${simulated.status} ${JSON.stringify(simulated.body)}`);
  await createMandate(server, party);
  await mandateIn(server, party, "CANCELLED");
  // Schedules (each creates its first collection at once).
  const today = londonDate(clock.now());
  for (const mandate of [viaProcessing, viaSandbox, viaProcessing]) {
    await createSchedule(
      server,
      { ...party },
      { mandate_id: mandate.id, amount_minor: "125000", interval_unit: "INTERVAL_UNIT_MONTHLY", start_date: today },
    );
  }
  return party;
}

beforeAll(async () => {
  server = await startTestServer({ clock, rateLimit: { sessionPerMinute: 10_000_000, sessionBurst: 1_000_000 } });
  parties.A = await setUp("A");
  parties.B = await setUp("B");
  truth = await readTruth();
  // A first page token of every list, for each organisation.
  for (const org of ["A", "B"] as const) {
    for (const [kind, path] of [
      ["mandates", "/v1/mandates"],
      ["schedules", "/v1/collectionSchedules"],
      ["collections", "/v1/collections"],
    ] as const) {
      const answer = await rest(server, "GET", `${path}?page_size=1`, parties[org].secret);
      if (!answer.body?.nextPageToken)
        throw new Error(`no page token for ${org} ${kind}: ${JSON.stringify(answer.body)}`);
      tokens[org][kind].push({ token: answer.body.nextPageToken, query: "page_size=1" });
    }
  }
}, 120_000);
afterAll(async () => server?.close());

// ---------------------------------------------------------------------------------------------------
// Commands

const commandKinds = [
  "GetMandate",
  "ListMandates",
  "UpdateMandate",
  "CancelMandate",
  "SuspendMandate",
  "ReactivateMandate",
  "ResendMandateInvite",
  "CreateMandate",
  "SimulateMandateScenario",
  "GetCollectionSchedule",
  "ListCollectionSchedules",
  "CreateCollectionSchedule",
  "CancelCollectionSchedule",
  "CreateCollection",
  "UpdateCollectionSchedule",
  "PauseCollectionSchedule",
  "ResumeCollectionSchedule",
  "GetCollection",
  "ListCollections",
  "SimulateCollectionScenario",
  "RetryCollection",
] as const;
type CommandKind = (typeof commandKinds)[number];

interface Command {
  kind: CommandKind;
  caller: OrgName;
  /** Whose id (or page token) the call targets. */
  owner: OrgName;
  pick: number;
  /** Lists: pass a page token (of `owner`)? filter by an id (of `owner`)? reuse the token's query? */
  withToken: boolean;
  withFilter: boolean;
  sameQuery: boolean;
  pageSize: number;
  variant: number;
}

const commandArb: fc.Arbitrary<Command> = fc.record({
  kind: fc.constantFrom(...commandKinds),
  caller: fc.constantFrom<OrgName>("A", "B"),
  owner: fc.constantFrom<OrgName>("A", "B"),
  pick: fc.nat(),
  withToken: fc.boolean(),
  withFilter: fc.boolean(),
  sameQuery: fc.boolean(),
  pageSize: fc.integer({ min: 1, max: 3 }),
  variant: fc.nat({ max: 3 }),
});

const listKind: Partial<Record<CommandKind, Kind>> = {
  ListMandates: "mandates",
  ListCollectionSchedules: "schedules",
  ListCollections: "collections",
};
const listPath: Record<Kind, string> = {
  mandates: "/v1/mandates",
  schedules: "/v1/collectionSchedules",
  collections: "/v1/collections",
};
const listField: Record<Kind, string> = {
  mandates: "mandates",
  schedules: "collectionSchedules",
  collections: "collections",
};
const mandateScenarios = ["ACTIVATE", "FAIL", "CANCEL_BY_PAYER", "EXPIRE"];
const collectionScenarios = ["PAY", "FAIL", "LATE_FAIL", "CHARGE_BACK"];
const idPattern = /\b(?:MD|CS|CL)[0-9A-Z]{26}\b/g;
/** filtersOf is a list query without page_size and page_token: what a page token's fingerprint covers. */
const filtersOf = (query: string) =>
  query
    .split("&")
    .filter((p) => !p.startsWith("page_size=") && !p.startsWith("page_token="))
    .join("&");

/** A call as made: what was sent, whose target it was, and what came back. */
interface Made {
  line: string;
  answer: RestAnswer;
  text: string;
  /** The id the call targets, when it targets one. */
  target?: string;
  /** Whether a page token of the other organisation was sent; with the filters it was issued for? */
  foreignToken?: "same-query" | "other-query";
  /** Whether a page token (of either organisation) was sent with other filters than it was issued for. */
  tokenFiltersDiffer?: boolean;
  /** Ids the caller itself put in the request (its path, query, body or page token). */
  sent: string[];
  listKind?: Kind;
  write: boolean;
}

function decodeToken(token: string): string {
  try {
    return Buffer.from(token, "base64url").toString("utf8");
  } catch {
    return "";
  }
}

function pickId(owner: OrgName, kind: Kind, pick: number): string {
  const pool = truth.ids[owner][kind];
  return pool[pick % pool.length]!;
}

async function call(
  caller: Party,
  method: string,
  path: string,
  body?: unknown,
  session = false,
): Promise<RestAnswer & { text: string }> {
  const headers: Record<string, string> = session
    ? { cookie: caller.cookie }
    : { authorization: `Bearer ${caller.secret}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

let payerSeq = 0;

async function run(command: Command): Promise<Made> {
  const { kind, owner, pick, variant } = command;
  const caller = parties[command.caller];
  const lineOf = (request: string, answer: RestAnswer) =>
    `${caller.name} ${kind} ${request} [target of ${owner}] → ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`;
  const onMandate = async (method: string, suffix: string, body?: unknown, session = false, base = "/v1/mandates/") => {
    const target = pickId(owner, "mandates", pick);
    const path = `${base}${target}${suffix}`;
    const answer = await call(caller, method, path, body, session);
    return {
      line: lineOf(`${method} ${path}`, answer),
      answer,
      text: answer.text,
      target,
      sent: [target],
      write: method !== "GET",
    };
  };
  switch (kind) {
    case "GetMandate":
      return onMandate("GET", "");
    case "UpdateMandate":
      return onMandate("PATCH", "?update_mask=metadata", { metadata: { step: String(variant) } });
    case "CancelMandate":
      return onMandate("POST", ":cancel", { reason: "isolation test" });
    case "SuspendMandate":
      return onMandate("POST", ":suspend", {});
    case "ReactivateMandate":
      return onMandate("POST", ":reactivate", {});
    case "ResendMandateInvite":
      return onMandate("POST", ":resendInvite", {});
    case "SimulateMandateScenario":
      return onMandate(
        "POST",
        ":simulate",
        { scenario: `MANDATE_SCENARIO_${mandateScenarios[variant]}` },
        false,
        "/v1/sandbox/mandates/",
      );
    case "CreateMandate": {
      payerSeq++;
      const body = {
        payer: { name: `Iso Payer ${payerSeq}`, email: `iso${payerSeq}@example.com` },
        metadata: { by: caller.name },
      };
      const answer = await call(caller, "POST", "/v1/mandates", body);
      return { line: lineOf("POST /v1/mandates", answer), answer, text: answer.text, sent: [], write: true };
    }
    case "CreateCollectionSchedule": {
      const target = pickId(owner, "mandates", pick);
      const body = {
        mandate_id: target,
        amount_minor: "5000",
        interval_unit: "INTERVAL_UNIT_WEEKLY",
        start_date: londonDate(clock.now()),
        count: 2,
      };
      const answer = await call(caller, "POST", "/v1/collectionSchedules", body, true);
      return {
        line: lineOf(`POST /v1/collectionSchedules mandate_id=${target}`, answer),
        answer,
        text: answer.text,
        target,
        sent: [target],
        write: true,
      };
    }
    case "CreateCollection": {
      const target = pickId(owner, "mandates", pick);
      // No charge_date: each one-off takes the mandate's next free day, so repeats are not refused.
      const body = { mandate_id: target, amount_minor: "2500", description: `by ${caller.name}` };
      const answer = await call(caller, "POST", "/v1/collections", body, true);
      return {
        line: lineOf(`POST /v1/collections mandate_id=${target}`, answer),
        answer,
        text: answer.text,
        target,
        sent: [target],
        write: true,
      };
    }
    case "GetCollectionSchedule":
    case "CancelCollectionSchedule":
    case "UpdateCollectionSchedule":
    case "PauseCollectionSchedule":
    case "ResumeCollectionSchedule": {
      const target = pickId(owner, "schedules", pick);
      const request = {
        GetCollectionSchedule: { method: "GET", path: "", body: undefined },
        CancelCollectionSchedule: { method: "POST", path: ":cancel", body: { reason: "isolation test" } },
        UpdateCollectionSchedule: {
          method: "PATCH",
          path: "?update_mask=amount_minor",
          body: { amount_minor: "5100" },
        },
        PauseCollectionSchedule: { method: "POST", path: ":pause", body: { reason: "isolation test" } },
        ResumeCollectionSchedule: { method: "POST", path: ":resume", body: {} },
      }[kind];
      const { method } = request;
      const path = `/v1/collectionSchedules/${target}${request.path}`;
      const answer = await call(caller, method, path, request.body, method !== "GET");
      return {
        line: lineOf(`${method} ${path}`, answer),
        answer,
        text: answer.text,
        target,
        sent: [target],
        write: method !== "GET",
      };
    }
    case "GetCollection":
    case "SimulateCollectionScenario":
    case "RetryCollection": {
      const target = pickId(owner, "collections", pick);
      const path =
        kind === "GetCollection"
          ? `/v1/collections/${target}`
          : kind === "RetryCollection"
            ? `/v1/collections/${target}:retry`
            : `/v1/sandbox/collections/${target}:simulate`;
      const method = kind === "GetCollection" ? "GET" : "POST";
      // RetryCollection is session only: the admin presents the collection again.
      const answer = await call(
        caller,
        method,
        path,
        method === "GET"
          ? undefined
          : kind === "RetryCollection"
            ? {}
            : { scenario: `COLLECTION_SCENARIO_${collectionScenarios[variant]}` },
        kind === "RetryCollection",
      );
      return {
        line: lineOf(`${method} ${path}`, answer),
        answer,
        text: answer.text,
        target,
        sent: [target],
        write: method === "POST",
      };
    }
    case "ListMandates":
    case "ListCollectionSchedules":
    case "ListCollections": {
      const list = listKind[kind]!;
      const sent: string[] = [];
      let query = `page_size=${command.pageSize}`;
      let target: string | undefined;
      if (command.withFilter && list !== "mandates") {
        // Filter by a mandate (or, for collections, sometimes a schedule) of `owner`.
        const byKind: Kind = list === "collections" && variant % 2 === 1 ? "schedules" : "mandates";
        target = pickId(owner, byKind, pick);
        query += `&${byKind === "schedules" ? "schedule_id" : "mandate_id"}=${target}`;
        sent.push(target);
      } else if (command.withFilter && list === "mandates") {
        query += `&state=MANDATE_STATE_${variant % 2 === 0 ? "ACTIVE" : "PENDING_CUSTOMER_APPROVAL"}`;
      }
      let foreignToken: Made["foreignToken"];
      let tokenFiltersDiffer = false;
      if (command.withToken) {
        const issued = tokens[owner][list];
        const chosen = issued[pick % issued.length]!;
        if (command.sameQuery) {
          query = chosen.query;
          target = undefined;
          sent.length = 0;
          for (const id of chosen.query.match(idPattern) ?? []) sent.push(id);
        }
        tokenFiltersDiffer = filtersOf(query) !== filtersOf(chosen.query);
        query += `&page_token=${encodeURIComponent(chosen.token)}`;
        for (const id of decodeToken(chosen.token).match(idPattern) ?? []) sent.push(id);
        if (owner !== caller.name) foreignToken = tokenFiltersDiffer ? "other-query" : "same-query";
      }
      const path = `${listPath[list]}?${query}`;
      const answer = await call(caller, "GET", path);
      const next = (answer.body as Record<string, unknown> | undefined)?.nextPageToken;
      if (answer.status === 200 && typeof next === "string" && next !== "") {
        const issuedQuery = query.replace(/&page_token=[^&]*/, "");
        const pool = tokens[caller.name][list];
        if (pool.length < 40) pool.push({ token: next, query: issuedQuery });
      }
      const text = answer.text + (typeof next === "string" ? decodeToken(next) : "");
      const made: Made = {
        line: lineOf(`GET ${path}`, answer),
        answer,
        text,
        sent,
        listKind: list,
        write: false,
        tokenFiltersDiffer,
      };
      if (target !== undefined) made.target = target;
      if (foreignToken !== undefined) made.foreignToken = foreignToken;
      return made;
    }
  }
}

async function updateTimeOf(id: string): Promise<string> {
  const table = { mandates: "mandate", schedules: "collection_schedule", collections: "collection" }[kindOfId(id)];
  const rows = await server.admin.em
    .fork()
    .getConnection()
    .execute<{ t: string }[]>(`select update_time::text as t from ${table} where id = ?`, [id]);
  return rows[0]?.t ?? "gone";
}

/** Statistics of what the property exercised, printed at the end. */
const stats = {
  calls: 0,
  crossCalls: 0,
  foreignTokenSameQuery: 0,
  foreignTokenOtherQuery: 0,
  foreignTokenNonEmptyPage: 0,
  runs: 0,
};

/** How often each command answered each status, on own or foreign targets (printed at the end). */
const outcomes = new Map<string, number>();

/** check throws, with the message, when a call broke isolation. */
function leakedIds(caller: OrgName, text: string, sent: string[]): string[] {
  const found = text.match(idPattern) ?? [];
  const theirs = found.filter((id) => truth.owner.get(id) === other(caller) && !sent.includes(id));
  if (text.includes(parties[other(caller)].organisationId)) theirs.push(parties[other(caller)].organisationId);
  return [...new Set(theirs)];
}

async function checkedRun(command: Command, log: string[]): Promise<void> {
  const target = command.owner;
  const crossWrite =
    command.caller !== target &&
    [
      "UpdateMandate",
      "CancelMandate",
      "SuspendMandate",
      "ReactivateMandate",
      "ResendMandateInvite",
      "SimulateMandateScenario",
      "CancelCollectionSchedule",
      "UpdateCollectionSchedule",
      "PauseCollectionSchedule",
      "ResumeCollectionSchedule",
      "SimulateCollectionScenario",
      "RetryCollection",
    ].includes(command.kind);
  let before: string | undefined;
  let targetId: string | undefined;
  if (crossWrite) {
    targetId = pickId(
      target,
      command.kind.endsWith("CollectionSchedule")
        ? "schedules"
        : command.kind === "SimulateCollectionScenario" || command.kind === "RetryCollection"
          ? "collections"
          : "mandates",
      command.pick,
    );
    before = await updateTimeOf(targetId);
  }
  const made = await run(command);
  log.push(made.line);
  stats.calls++;
  answered.push({ caller: command.caller, text: made.text, sent: made.sent, call: made.line });
  const fail = (why: string) => {
    throw new Error(`${why}\n  call log of this run:\n    ${log.join("\n    ")}`);
  };
  const status = made.answer.status;
  if (status >= 500) fail(`answered ${status}`);
  // Changing or resuming a schedule may create its collections too.
  if (
    [
      "CreateMandate",
      "CreateCollectionSchedule",
      "CreateCollection",
      "UpdateCollectionSchedule",
      "ResumeCollectionSchedule",
    ].includes(command.kind)
  )
    truth = await readTruth();

  const leaked = leakedIds(command.caller, made.text, made.sent);
  if (leaked.length > 0)
    fail(`the answer to ${command.caller} holds ids of ${other(command.caller)}: ${leaked.join(", ")}`);

  const targetOwner = made.target === undefined ? undefined : truth.owner.get(made.target);
  const cross = targetOwner !== undefined && targetOwner !== command.caller;
  if (cross) stats.crossCalls++;
  const bucket = `${command.kind} ${cross ? "foreign" : made.foreignToken ? `foreign-token(${made.foreignToken})` : "own"} → ${status}`;
  outcomes.set(bucket, (outcomes.get(bucket) ?? 0) + 1);
  if (made.listKind) {
    const items = ((made.answer.body as Record<string, unknown> | undefined)?.[listField[made.listKind]] ?? []) as {
      id: string;
    }[];
    if (made.foreignToken === "other-query") {
      stats.foreignTokenOtherQuery++;
      // Issued for other filters: INVALID_ARGUMENT naming page_token (or, when the filter is itself a
      // foreign id, NOT_FOUND / an empty page).
      const ok =
        (status === 400 && made.text.includes("page_token")) ||
        status === 404 ||
        (status === 200 && items.length === 0);
      if (!ok) fail(`a page token of ${other(command.caller)} issued for other filters answered ${status}`);
    } else if (made.foreignToken === "same-query") {
      stats.foreignTokenSameQuery++;
      // With the filters it was issued for, still refused: the token belongs to the other organisation
      // (a filter that is itself a foreign id may answer NOT_FOUND first).
      const ok = (status === 400 && made.text.includes("page_token")) || status === 404;
      if (!ok) fail(`a page token of ${other(command.caller)} answered ${status}`);
      if (status === 200 && items.length > 0) stats.foreignTokenNonEmptyPage++;
    } else if (cross) {
      const refusedToken = made.tokenFiltersDiffer === true && status === 400 && made.text.includes("page_token");
      if (!(refusedToken || status === 404 || (status === 200 && items.length === 0)))
        fail(`a list filtered by an id of ${targetOwner} answered ${status} with ${items.length} items`);
    } else if (made.tokenFiltersDiffer) {
      if (!(status === 400 && made.text.includes("page_token")))
        fail(`an own page token with other filters answered ${status}`);
    } else if (status !== 200) {
      fail(`an own list answered ${status}`);
    }
    if (status === 200)
      for (const item of items)
        if (truth.owner.get(item.id) !== command.caller) fail(`listed ${item.id}, not ${command.caller}'s`);
  } else if (cross) {
    if (status !== 404) fail(`an id of ${targetOwner} answered ${status}, not 404 NOT_FOUND`);
  } else if (made.target !== undefined && (command.kind.startsWith("Get") || status === 404)) {
    if (status !== 200) fail(`an own id answered ${status}`);
  }
  if (crossWrite && targetId !== undefined) {
    const after = await updateTimeOf(targetId);
    if (after !== before)
      fail(`${targetId} of ${target} changed (update_time ${before} → ${after}) after a call by ${command.caller}`);
  }
}

describe("two organisations, randomised", () => {
  it("never lets one organisation see or touch the other's mandates, schedules, collections or page tokens (500 runs)", async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 8 }), async (commands) => {
        stats.runs++;
        const log: string[] = [];
        for (const command of commands) await checkedRun(command, log);
      }),
      { numRuns: 500, endOnFailure: true, verbose: fc.VerbosityLevel.Verbose },
    );
    // The final sweep: the database now knows every id ever made (background work included).
    truth = await readTruth();
    for (const entry of answered) {
      const leaked = leakedIds(entry.caller, entry.text, entry.sent);
      expect(leaked, `answer to ${entry.caller}: ${entry.call}`).toEqual([]);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `isolation property: ${stats.runs} runs, ${stats.calls} calls (${stats.crossCalls} on the other organisation's ids), ${seconds} s;`,
      stats,
      Object.fromEntries([...outcomes].sort()),
    );
    // The property really went across: cross calls and foreign tokens of both kinds happened.
    expect(stats.crossCalls).toBeGreaterThan(200);
    expect(stats.foreignTokenSameQuery).toBeGreaterThan(10);
    expect(stats.foreignTokenOtherQuery).toBeGreaterThan(10);
  }, 600_000); // 500 runs of up to 8 calls each: over 3 minutes on a loaded machine
});

describe("examples", () => {
  it("answers a foreign id exactly like a missing one (status and error code)", async () => {
    const theirs = truth.ids.A.mandates[0]!;
    const missing = `MD${"0".repeat(26)}`;
    const foreign = await rest(server, "GET", `/v1/mandates/${theirs}`, parties.B.secret);
    const absent = await rest(server, "GET", `/v1/mandates/${missing}`, parties.B.secret);
    expect(foreign.status).toBe(404);
    expect(absent.status).toBe(404);
    expect(foreign.body.code).toBe(absent.body.code);
    expect(String(foreign.body.message).replaceAll(theirs, "ID")).toBe(
      String(absent.body.message).replaceAll(missing, "ID"),
    );
  });

  it("over a real @grpc/grpc-js client: NOT_FOUND for the other's ids, and INVALID_ARGUMENT for their page token", async () => {
    const client = grpcJsClient(server.port);
    try {
      const auth = { authorization: `Bearer ${parties.B.secret}` };
      const mandate = await grpcJsUnary(
        client,
        MandateService.method.getMandate,
        { mandateId: truth.ids.A.mandates[0]! },
        auth,
      );
      expect(mandate.code).toBe(grpc.status.NOT_FOUND);
      const collection = await grpcJsUnary(
        client,
        CollectionService.method.getCollection,
        { collectionId: truth.ids.A.collections[0]! },
        auth,
      );
      expect(collection.code).toBe(grpc.status.NOT_FOUND);
      const cancel = await grpcJsUnary(
        client,
        MandateService.method.cancelMandate,
        { mandateId: truth.ids.A.mandates[0]! },
        auth,
      );
      expect(cancel.code).toBe(grpc.status.NOT_FOUND);
      const token = tokens.A.mandates[0]!.token; // issued to A for page_size=1, no filters
      const page = await grpcJsUnary(
        client,
        MandateService.method.listMandates,
        { pageSize: 1, pageToken: token },
        auth,
      );
      expect(page.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(decodeURIComponent(page.details)).toContain("page_token");
      const filtered = await grpcJsUnary(
        client,
        CollectionService.method.listCollections,
        { mandateId: truth.ids.A.mandates[0]! },
        auth,
      );
      expect(
        filtered.code === grpc.status.NOT_FOUND ||
          (filtered.code === grpc.status.OK && filtered.message!.collections.length === 0),
      ).toBe(true);
    } finally {
      client.close();
    }
  });
});
