/**
 * organisations.ts sets up the organisations the security suite's tenancy and rate-limit cases play
 * with: a sandbox organisation with one API key per scope, a key holding all six, and a signed-in
 * user per role; resources in it made the way its integrators and staff make them (over REST, with
 * its own key or session; Bacs outcomes through the sandbox simulators); and a fingerprint of
 * everything the organisation owns, to show a call changed none of it.
 */
import { londonDate } from "../../../src/modules/calendar/london-date.js";
import type { RoleName } from "../../../src/modules/identity/scopes.js";
import type { ResolvedAccessRule } from "../../../src/rpc/access.js";
import { type ScheduleJson, sessionRest } from "../../support/collections.js";
import { allScopes, newApiKey, newOrganisation, newSignedInUser } from "../../support/fixtures.js";
import { createMandate, inviteTokens, type MandateJson, type RestAnswer, rest } from "../../support/mandates.js";
import type { TestServer } from "../../support/test-server.js";
import { addUser, completeWelcome } from "../../support/users.js";
import { bearer, cookieHeader } from "./credentials.js";
import type { RequestHeaders } from "./rpc-caller.js";

/** Party is an organisation and the credentials of its integrations and staff. */
export interface Party {
  /** "A" or "B": what test titles and failure messages call it. */
  label: string;
  organisationId: string;
  /** A key holding all six scopes: what its fixtures are made with. */
  secret: string;
  /** Keys holding one scope each. */
  keyFor: ReadonlyMap<string, string>;
  /** Session cookies of signed-in users, one per role. */
  sessionOf: ReadonlyMap<RoleName, string>;
}

const roles: readonly RoleName[] = ["admin", "member", "viewer"];

/**
 * newParty creates a sandbox organisation (so the sandbox simulators work for it) with its keys and
 * users, its rate limit lifted out of the way: the tenancy cases make hundreds of calls in seconds.
 */
export async function newParty(server: TestServer, label: string): Promise<Party> {
  const organisationId = await newOrganisation(server, true);
  await server.admin.em
    .fork()
    .getConnection()
    .execute(`update "organisation" set "rate_limit_per_minute" = ?, "rate_limit_burst" = ? where "id" = ?`, [
      10_000_000,
      1_000_000,
      organisationId,
    ]);
  const [full, ...scoped] = await Promise.all([
    newApiKey(server, organisationId),
    ...allScopes.map((scope) => newApiKey(server, organisationId, [scope])),
  ]);
  const users = await Promise.all(roles.map((role) => newSignedInUser(server, organisationId, role)));
  return {
    label,
    organisationId,
    secret: full!.secret,
    keyFor: new Map(allScopes.map((scope, i) => [scope, scoped[i]!.secret])),
    sessionOf: new Map(roles.map((role, i) => [role, users[i]!.cookie])),
  };
}

/**
 * credentialsFor is what the party presents to call an RPC of the rule: a key holding just the
 * scope; a session of the first role the rule admits (admin when it names none); a key holding all
 * six scopes for the sandbox simulators (any caller of the organisation); nothing for public RPCs.
 */
export function credentialsFor(party: Party, rule: ResolvedAccessRule): RequestHeaders {
  switch (rule.kind) {
    case "scope":
      return bearer(required(party.keyFor.get(rule.scope), `${party.label}'s ${rule.scope} key`));
    case "session_only": {
      const role = rule.roles[0] ?? "admin";
      return cookieHeader(required(party.sessionOf.get(role), `${party.label}'s ${role} session`));
    }
    case "authenticated":
      return bearer(party.secret);
    case "public":
      return {};
  }
}

/** describeCredentials names credentialsFor's choice in a test title. */
export function describeCredentials(label: string, rule: ResolvedAccessRule): string {
  switch (rule.kind) {
    case "scope":
      return `organisation ${label}'s key holding ${rule.scope}`;
    case "session_only":
      return `organisation ${label}'s ${rule.roles[0] ?? "admin"} session`;
    case "authenticated":
      return `organisation ${label}'s key`;
    case "public":
      return "no credentials";
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`fixture: no ${what}`);
  return value;
}

async function ok(what: string, answer: Promise<RestAnswer>): Promise<any> {
  const got = await answer;
  if (got.status !== 200) throw new Error(`fixture: ${what} answered ${got.status} ${JSON.stringify(got.body)}`);
  return got.body;
}

/** The fixtures below make resources of one party, the way its integrators and staff do. */
export class Resources {
  /** webhookUrl: a receiver answering 2xx, for endpoints whose deliveries must succeed. */
  constructor(
    private readonly server: TestServer,
    private readonly party: Party,
    private readonly webhookUrl = "http://127.0.0.1:9/hooks",
  ) {}

  private rest(method: string, path: string, body?: unknown): Promise<RestAnswer> {
    return rest(this.server, method, path, this.party.secret, body);
  }

  /** mandate is a new mandate awaiting its payer (PENDING_CUSTOMER_APPROVAL). */
  mandate(): Promise<MandateJson> {
    return createMandate(this.server, { organisationId: this.party.organisationId, secret: this.party.secret });
  }

  /** activeMandate is a mandate the payer's bank accepted (the sandbox ACTIVATE scenario). */
  async activeMandate(): Promise<MandateJson> {
    const { id } = await this.mandate();
    return ok(
      "activating a mandate",
      this.rest("POST", `/v1/sandbox/mandates/${id}:simulate`, { scenario: "MANDATE_SCENARIO_ACTIVATE" }),
    );
  }

  /** suspendedMandate is an active mandate the organisation suspended. */
  async suspendedMandate(): Promise<MandateJson> {
    const { id } = await this.activeMandate();
    return ok("suspending a mandate", this.rest("POST", `/v1/mandates/${id}:suspend`, {}));
  }

  /**
   * scheduledMandate is an active mandate with a monthly schedule, whose first collection (pending
   * submission) exists at once; the activation left a notification about the mandate.
   */
  async scheduledMandate(): Promise<{ mandateId: string; scheduleId: string; collectionId: string }> {
    const mandate = await this.activeMandate();
    const schedule = (await ok(
      "creating a collection schedule",
      sessionRest(this.server, "POST", "/v1/collectionSchedules", this.adminCookie(), {
        mandate_id: mandate.id,
        amount_minor: "12500",
        interval_unit: "INTERVAL_UNIT_MONTHLY",
        start_date: londonDate(new Date()),
      }),
    )) as ScheduleJson;
    const { collections } = await ok(
      "listing the schedule's collections",
      this.rest("GET", `/v1/collections?schedule_id=${schedule.id}`),
    );
    const collectionId = (collections as { id: string }[])[0]?.id;
    if (collectionId === undefined) throw new Error(`fixture: schedule ${schedule.id} made no collection`);
    return { mandateId: mandate.id, scheduleId: schedule.id, collectionId };
  }

  /**
   * failedCollection is a scheduled mandate's first collection returned unpaid with ARUDD code "0"
   * (refer to payer), the one code Bacs lets a collection be presented again after.
   */
  async failedCollection(): Promise<string> {
    const { collectionId } = await this.scheduledMandate();
    await ok(
      "failing a collection with code 0",
      this.rest("POST", `/v1/sandbox/collections/${collectionId}:simulate`, {
        scenario: "COLLECTION_SCENARIO_FAIL",
        reason_code: "0",
      }),
    );
    return collectionId;
  }

  /** pausedSchedule is the id of a PAUSED schedule (of a new active mandate). */
  async pausedSchedule(): Promise<string> {
    const { scheduleId } = await this.scheduledMandate();
    await ok(
      "pausing a collection schedule",
      sessionRest(this.server, "POST", `/v1/collectionSchedules/${scheduleId}:pause`, this.adminCookie(), {}),
    );
    return scheduleId;
  }

  /** enableFailedCollectionAlerts turns on the threshold that raises an alert per failed collection. */
  async enableFailedCollectionAlerts(): Promise<void> {
    const threshold = await this.threshold("ALERT_TYPE_COLLECTION_FAILED");
    await ok(
      "enabling the COLLECTION_FAILED threshold",
      this.rest("PATCH", `/v1/alertThresholds/${threshold}?update_mask=enabled`, { enabled: true }),
    );
  }

  /** openAlert is an OPEN alert, raised by a failed collection (enableFailedCollectionAlerts first). */
  async openAlert(): Promise<string> {
    const { collectionId } = await this.scheduledMandate();
    await ok(
      "failing a collection",
      this.rest("POST", `/v1/sandbox/collections/${collectionId}:simulate`, { scenario: "COLLECTION_SCENARIO_FAIL" }),
    );
    const { alerts } = await ok("listing alerts", this.rest("GET", "/v1/alerts?state=ALERT_STATE_OPEN&page_size=500"));
    const alert = (alerts as { id: string; collectionId?: string }[]).find((a) => a.collectionId === collectionId);
    if (!alert) throw new Error(`fixture: the failed collection ${collectionId} raised no alert`);
    return alert.id;
  }

  /** threshold is the id of the organisation's threshold of the type. */
  async threshold(type = "ALERT_TYPE_CLAWBACKS"): Promise<string> {
    const { alertThresholds } = await ok("listing thresholds", this.rest("GET", "/v1/alertThresholds"));
    const found = (alertThresholds as { id: string; type: string }[]).find((t) => t.type === type);
    if (!found) throw new Error(`fixture: no ${type} threshold`);
    return found.id;
  }

  /** apiKey is the id of a new, active key (issued as the operator issues them). */
  async apiKey(): Promise<string> {
    return (await newApiKey(this.server, this.party.organisationId, ["reports:read"])).id;
  }

  /**
   * resentInvite is a mandate whose invite was resent: the first link's token is void (superseded),
   * the second's still completes it.
   */
  async resentInvite(): Promise<{ mandateId: string; supersededToken: string; liveToken: string }> {
    const mandate = await this.mandate();
    await ok("resending an invite", this.rest("POST", `/v1/mandates/${mandate.id}:resendInvite`, {}));
    const tokens = await inviteTokens(this.server, mandate.payer.email);
    if (tokens.length !== 2 || tokens.some((t) => t === ""))
      throw new Error(`fixture: expected two invite links for ${mandate.payer.email}, found ${tokens.length}`);
    return { mandateId: mandate.id, supersededToken: tokens[0]!, liveToken: tokens[1]! };
  }

  /** user is the id of a new member, added by the party's admin (INVITED: no password yet). */
  async user(): Promise<string> {
    return (await addUser(this.server, this.adminCookie())).user.id;
  }

  /**
   * usedWelcome is a welcome token already used (void: CompleteWelcome answers NOT_FOUND) and a live
   * one of another new user, which still completes.
   */
  async usedWelcome(): Promise<{ usedToken: string; liveToken: string }> {
    const used = await addUser(this.server, this.adminCookie());
    await ok("completing a welcome", completeWelcome(this.server, used.token, "the fixture's own password"));
    const live = await addUser(this.server, this.adminCookie());
    return { usedToken: used.token, liveToken: live.token };
  }

  /** webhookEndpoint is the id of a new endpoint of the party's. */
  async webhookEndpoint(): Promise<string> {
    const { webhookEndpoint } = await ok(
      "adding a webhook endpoint",
      sessionRest(this.server, "POST", "/v1/webhookEndpoints", this.adminCookie(), {
        url: this.webhookUrl,
        eventTypes: ["NOTIFICATION_TYPE_MANDATE_CREATED"],
      }),
    );
    return webhookEndpoint.id;
  }

  /** webhookDelivery is the id of a delivery to a new endpoint: a new mandate's event, delivered once. */
  async webhookDelivery(): Promise<string> {
    const endpointId = await this.webhookEndpoint();
    await this.mandate();
    for (let round = 0; round < 5; round++) {
      // A round already under way (another fixture's) may have begun before this mandate committed.
      await this.server.app.webhookDispatcher.runOnce();
      const { deliveries } = await ok(
        "listing deliveries",
        sessionRest(this.server, "GET", `/v1/webhookEndpoints/${endpointId}/deliveries`, this.adminCookie()),
      );
      const done = (deliveries ?? []) as { id: string; state: string }[];
      if (done[0]?.state === "WEBHOOK_DELIVERY_STATE_SUCCEEDED") return done[0].id;
    }
    throw new Error(`fixture: no delivery to ${endpointId}`);
  }

  private adminCookie(): string {
    return required(this.party.sessionOf.get("admin"), `${this.party.label}'s admin session`);
  }
}

/**
 * Tables left out of the fingerprint, and why: audit_event is written after the answer on purpose
 * (failed sign-ins, aggregated denials), so its rows land at times no test controls.
 */
const unfingerprinted: ReadonlySet<string> = new Set(["audit_event"]);

/**
 * Columns left out: the last use of a key and the last sight of a session are written in the
 * background, up to a minute after the call (api-key-verifier.ts, session.service.ts).
 */
const volatileColumns = ["last_use_time", "last_seen_time"];

/**
 * fingerprint is a digest, per table, of every row the organisation owns (every table with an
 * organisation_id column), so a test can show that a call changed nothing of it: no row changed,
 * appeared or went.
 */
export async function fingerprint(server: TestServer, organisationId: string): Promise<Record<string, string>> {
  const connection = server.admin.em.fork().getConnection();
  const tables = (
    await connection.execute<{ table_name: string }[]>(
      `select table_name from information_schema.columns
        where column_name = 'organisation_id' and table_schema = current_schema() order by table_name`,
    )
  )
    .map((row) => row.table_name)
    .filter((table) => !unfingerprinted.has(table));
  if (tables.length < 5) throw new Error(`fixture: only ${tables.join(", ")} hold organisation rows?`);
  const dropped = volatileColumns.map((c) => ` - '${c}'`).join("");
  // One statement, so the digests are of one snapshot of the database.
  const [row] = await connection.execute<Record<string, string>[]>(
    `select ${tables
      .map(
        (table) => `(select count(*) || ' rows, md5 ' || coalesce(md5(string_agg(r, ',' order by r)), '')
           from (select (to_jsonb(t)${dropped})::text as r from "${table}" t where t.organisation_id = ?) owned)
           as "${table}"`,
      )
      .join(", ")}`,
    tables.map(() => organisationId),
  );
  return row!;
}
