/**
 * Mandates end to end on a real server and real PostgreSQL: create (the invite lands in the outbox
 * and its link completes the mandate), read and list with filters and page tokens, update with a
 * mask, every transition the organisation may make and every one it may not, the resubmission
 * limit, resending invites, bad input on every field of every write (nothing written), tenancy, and
 * the main flow over a real @grpc/grpc-js client.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MandateInviteService, MandateService, MandateState } from "../gen/dd/v1/mandates_pb.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { AuditEvent } from "../src/modules/identity/audit-event.entity.js";
import { Organisation } from "../src/modules/identity/organisation.entity.js";
import { Mandate } from "../src/modules/mandates/mandate.entity.js";
import { MandateInvite } from "../src/modules/mandates/mandate-invite.entity.js";
import { Notification } from "../src/modules/notifications/notification.entity.js";
import { withTenant } from "../src/platform/db/tenant-session.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import {
  completeInvite,
  completeMandate,
  createMandate,
  external,
  goodBankDetails,
  inviteTokens,
  latestInviteToken,
  type MandateJson,
  mandateIn,
  newTenant,
  outbox,
  reasonOf,
  rest,
  type StateName,
  scopedTo,
  type Tenant,
  violationsOf,
} from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => server?.close());

const scoped = (tenant: Tenant) => scopedTo(server, tenant);

/** bacsIdentity is the tenant's service user number and display name as stored. */
async function bacsIdentity(tenant: Tenant): Promise<{ serviceUserNumber: string; bacsDisplayName: string }> {
  const organisation = await server.admin.em.fork().findOneOrFail(Organisation, tenant.organisationId);
  return { serviceUserNumber: organisation.serviceUserNumber!, bacsDisplayName: organisation.bacsDisplayName! };
}

/** written counts what a tenant has in the tables a mandate write touches. */
async function written(tenant: Tenant) {
  const em = scoped(tenant);
  return {
    mandates: await em.count(Mandate, {}),
    invites: await em.count(MandateInvite, {}),
    notifications: await em.count(Notification, {}),
    audit: await em.count(AuditEvent, { action: { $like: "mandate.%" } }),
  };
}

describe("CreateMandate", () => {
  it("creates a mandate awaiting the payer and emails an invite whose link completes it", async () => {
    const tenant = await newTenant(server);
    const created = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: { name: "Jane Payer", email: "Jane.Payer@Example.com" },
      metadata: { tenancy: "T-42" },
    });
    expect(created.status).toBe(200);
    const mandate = created.body as MandateJson;
    expect(mandate.id).toMatch(/^MD[0-9A-Z]{26}$/);
    expect(mandate.state).toBe("MANDATE_STATE_PENDING_CUSTOMER_APPROVAL");
    expect(mandate.reference).toMatch(/^DD-[0-9A-Z]{10}$/);
    expect(mandate.metadata).toEqual({ tenancy: "T-42" });
    expect(mandate.bankAccount).toBeUndefined();
    expect(mandate.lastStateChange).toMatchObject({
      state: "MANDATE_STATE_PENDING_CUSTOMER_APPROVAL",
      cause: "MANDATE_CAUSE_ORGANISATION",
    });
    const inviteDays = (Date.parse(mandate.inviteExpireTime!) - clock.now().getTime()) / 86_400_000;
    expect(inviteDays).toBeGreaterThan(13.9);
    expect(inviteDays).toBeLessThanOrEqual(14);

    const emails = (await outbox(server)).filter((e) => e.to === "Jane.Payer@Example.com");
    expect(emails).toHaveLength(1);
    expect(emails[0]!.text).toMatch(/https:\/\/pay\.example\.test\/invite\/[A-Za-z0-9_-]{43}/);
    expect(emails[0]!.text).toContain(":complete");
    const { serviceUserNumber, bacsDisplayName } = await bacsIdentity(tenant);
    expect(emails[0]!.text).toContain(`bank statement as ${bacsDisplayName} with the reference ${mandate.reference}.`);
    expect(emails[0]!.text).toContain(`Service user number: ${serviceUserNumber}`);
    const token = await latestInviteToken(server, "Jane.Payer@Example.com");

    const completed = await completeInvite(server, token);
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      mandateReference: mandate.reference,
      state: "MANDATE_STATE_PENDING_SUBMISSION",
      bankAccount: { accountHolderName: "Jane Payer", sortCode: "200415", accountNumberEnding: "19" },
    });
    expect(completed.body.organisationName).toMatch(/^Org /);
    expect(JSON.stringify(completed.body)).not.toContain(mandate.id);

    const read = await rest(server, "GET", `/v1/mandates/${mandate.id}`, tenant.secret);
    expect(read.body).toMatchObject({
      state: "MANDATE_STATE_PENDING_SUBMISSION",
      bankAccount: { sortCode: "200415", accountNumberEnding: "19" },
      lastStateChange: { previousState: "MANDATE_STATE_PENDING_CUSTOMER_APPROVAL", cause: "MANDATE_CAUSE_PAYER" },
    });
    expect(read.body.inviteExpireTime).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(goodBankDetails.account_number);

    // Stored encrypted, never in clear; the token is in no log line.
    const row = await scoped(tenant).findOneOrFail(Mandate, { id: mandate.id });
    expect(row.accountNumberCiphertext).toMatch(/^v2\./);
    expect(row.accountNumberCiphertext).not.toContain(goodBankDetails.account_number);
    expect(server.rawLogs.some((line) => line.includes(token))).toBe(false);
    expect(server.rawLogs.some((line) => line.includes(goodBankDetails.account_number))).toBe(false);

    // The link is single-use.
    expect((await completeInvite(server, token)).status).toBe(404);

    // Ids made at one instant are not ordered among themselves (the clock stands still): compare as sets.
    const feed = await scoped(tenant).find(Notification, { resourceId: mandate.id });
    expect(feed.map((n) => n.type).sort()).toEqual([
      "mandate.completed_by_payer",
      "mandate.created",
      "payer.instruction_confirmation",
    ]);
    // The payer is sent the confirmation of their Instruction at once (the scheme allows 3 working days).
    const confirmation = (await outbox(server)).find(
      (e) => e.to === mandate.payer.email && e.subject.startsWith("Your Direct Debit Instruction"),
    );
    expect(confirmation?.text).toContain(`Reference: ${mandate.reference}`);
    expect(confirmation?.text).toContain("Sort code: 20-04-15");
    expect(confirmation?.text).toContain("Account number: ending 19");
    expect(confirmation?.text).toContain("The Direct Debit Guarantee");
    expect(confirmation?.text).not.toContain(goodBankDetails.account_number);
    expect(confirmation?.html).toContain("<h2>The Direct Debit Guarantee</h2>");
    const audit = await scoped(tenant).find(AuditEvent, { target: mandate.id }, { orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ["mandate.create", expect.stringMatching(/^key:AK/)],
      ["mandate.complete_invite", "payer"],
    ]);
  });

  it("upper-cases a given reference and refuses one the organisation already uses", async () => {
    const tenant = await newTenant(server);
    const first = await createMandate(server, tenant, { reference: "flat 4b rent" });
    expect(first.reference).toBe("FLAT 4B RENT");
    const again = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      reference: "FLAT 4B rent",
      payer: { name: "B", email: "b@example.com" },
    });
    expect(again.status).toBe(409);
    expect(reasonOf(again)).toBe("MANDATE_REFERENCE_ALREADY_EXISTS");
    // References are unique per organisation only.
    const other = await newTenant(server);
    expect((await createMandate(server, other, { reference: "FLAT 4B RENT" })).reference).toBe("FLAT 4B RENT");
  });

  const payer = { name: "Jane Payer", email: "jane@example.com" };
  const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]));
  it.each([
    ["an empty payer name", { payer: { ...payer, name: " " } }, "mandate.payer.name"],
    ["a payer name of 141 characters", { payer: { ...payer, name: "n".repeat(141) } }, "mandate.payer.name"],
    ["a payer name with a control character", { payer: { ...payer, name: "Jane\u0007" } }, "mandate.payer.name"],
    ["no payer at all", {}, "mandate.payer.name"],
    ["an email without a domain", { payer: { ...payer, email: "jane@" } }, "mandate.payer.email"],
    ["an email with spaces", { payer: { ...payer, email: "jane doe@example.com" } }, "mandate.payer.email"],
    [
      "an email over 254 characters",
      { payer: { ...payer, email: `${"a".repeat(60)}@${"b".repeat(190)}.com` } },
      "mandate.payer.email",
    ],
    ["a reference with a forbidden character", { payer, reference: "RENT_2024_01" }, "mandate.reference"],
    ["a reference under 6 characters", { payer, reference: "RENT1" }, "mandate.reference"],
    ["a reference over 18 characters", { payer, reference: "R".repeat(10) + "1".repeat(9) }, "mandate.reference"],
    ["a reference of one repeated character", { payer, reference: "AAAAAAA" }, "mandate.reference"],
    ["a reference with under 6 letters or digits", { payer, reference: "AB/CD-E." }, "mandate.reference"],
    ["a reference starting with DDIC", { payer, reference: "ddic-rent-01" }, "mandate.reference"],
    ["21 metadata entries", { payer, metadata: tooMany }, "mandate.metadata"],
    ["a metadata key of 41 characters", { payer, metadata: { ["k".repeat(41)]: "v" } }, "mandate.metadata"],
    ["a metadata value of 501 characters", { payer, metadata: { k: "v".repeat(501) } }, "mandate.metadata"],
  ])("refuses %s with INVALID_ARGUMENT naming the field, and writes nothing", async (_title, body, field) => {
    const tenant = await newTenant(server);
    const emailsBefore = (await outbox(server)).length;
    const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, body);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_argument");
    expect(violationsOf(answer)).toContain(field);
    expect(await written(tenant)).toEqual({ mandates: 0, invites: 0, notifications: 0, audit: 0 });
    expect((await outbox(server)).length).toBe(emailsBefore);
  });

  it("names every bad field of one request at once", async () => {
    const tenant = await newTenant(server);
    const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      reference: "x",
      payer: { name: "", email: "nope" },
      metadata: { k: "v".repeat(501) },
    });
    expect(answer.status).toBe(400);
    expect(violationsOf(answer).sort()).toEqual([
      "mandate.metadata",
      "mandate.payer.email",
      "mandate.payer.name",
      "mandate.reference",
    ]);
  });
});

describe("GetMandate and ListMandates", () => {
  it("answers NOT_FOUND for another organisation's mandate exactly as for a missing one", async () => {
    const owner = await newTenant(server);
    const stranger = await newTenant(server);
    const mandate = await createMandate(server, owner);
    const missingId = `MD${"0".repeat(26)}`;
    const theirs = await rest(server, "GET", `/v1/mandates/${mandate.id}`, stranger.secret);
    const missing = await rest(server, "GET", `/v1/mandates/${missingId}`, stranger.secret);
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.body.message.replace(mandate.id, "ID")).toBe(missing.body.message.replace(missingId, "ID"));
    expect(reasonOf(theirs)).toBe(reasonOf(missing));
    for (const action of ["cancel", "suspend", "reactivate", "resendInvite"]) {
      expect((await rest(server, "POST", `/v1/mandates/${mandate.id}:${action}`, stranger.secret, {})).status).toBe(
        404,
      );
    }
    const patched = await rest(server, "PATCH", `/v1/mandates/${mandate.id}?update_mask=metadata`, stranger.secret, {
      metadata: { a: "b" },
    });
    expect(patched.status).toBe(404);
    expect((await rest(server, "GET", `/v1/mandates/${mandate.id}`, owner.secret)).body.metadata).toBeUndefined();
  });

  it("lists newest first, page by page, and refuses a page token with other filters", async () => {
    const tenant = await newTenant(server);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(5);
      ids.push((await createMandate(server, tenant)).id);
    }
    const seen: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await rest(
        server,
        "GET",
        `/v1/mandates?page_size=2${token ? `&page_token=${token}` : ""}`,
        tenant.secret,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.mandates as MandateJson[]).map((m) => m.id));
      token = page.body.nextPageToken ?? "";
      pages++;
    } while (token !== "");
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const first = await rest(server, "GET", "/v1/mandates?page_size=2", tenant.secret);
    const mismatched = await rest(
      server,
      "GET",
      `/v1/mandates?page_size=2&state=MANDATE_STATE_ACTIVE&page_token=${first.body.nextPageToken}`,
      tenant.secret,
    );
    expect(mismatched.status).toBe(400);
    expect(violationsOf(mismatched)).toEqual(["page_token"]);
    expect(violationsOf(await rest(server, "GET", "/v1/mandates?page_token=garbage", tenant.secret))).toEqual([
      "page_token",
    ]);
    expect(violationsOf(await rest(server, "GET", "/v1/mandates?page_size=-1", tenant.secret))).toEqual(["page_size"]);

    // Another organisation cannot use this organisation's page token at all, and lists none of them.
    const stranger = await newTenant(server);
    const strangers = await rest(
      server,
      "GET",
      `/v1/mandates?page_size=2&page_token=${first.body.nextPageToken}`,
      stranger.secret,
    );
    expect(strangers.status).toBe(400);
    expect(violationsOf(strangers)).toEqual(["page_token"]);
    const own = await rest(server, "GET", "/v1/mandates?page_size=2", stranger.secret);
    expect(own.body.mandates ?? []).toEqual([]);
  });

  it("filters by state, reference (any case) and payer email (any case)", async () => {
    const tenant = await newTenant(server);
    const waiting = await createMandate(server, tenant, { reference: "FILTER-REF-1" });
    const completed = await createMandate(server, tenant, { payer: { name: "Case", email: "Mixed.Case@Example.com" } });
    await completeMandate(server, completed);
    const list = async (query: string) =>
      ((await rest(server, "GET", `/v1/mandates?${query}`, tenant.secret)).body.mandates ?? []).map(
        (m: MandateJson) => m.id,
      );
    expect(await list("state=MANDATE_STATE_PENDING_SUBMISSION")).toEqual([completed.id]);
    expect(await list("state=MANDATE_STATE_PENDING_SUBMISSION&state=MANDATE_STATE_PENDING_CUSTOMER_APPROVAL")).toEqual([
      completed.id,
      waiting.id,
    ]);
    expect(await list("state=MANDATE_STATE_ACTIVE")).toEqual([]);
    expect(await list("reference=filter-ref-1")).toEqual([waiting.id]);
    expect(await list("payer_email=mixed.case@example.COM")).toEqual([completed.id]);
    expect(await list("payerEmail=mixed.case@example.com&state=MANDATE_STATE_ACTIVE")).toEqual([]);
    const unspecified = await rest(server, "GET", "/v1/mandates?state=MANDATE_STATE_UNSPECIFIED", tenant.secret);
    expect(unspecified.status).toBe(400);
    expect(violationsOf(unspecified)).toEqual(["state"]);
  });
});

describe("UpdateMandate", () => {
  it("changes only the fields update_mask names", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant, { metadata: { keep: "me" } });
    const answer = await rest(
      server,
      "PATCH",
      `/v1/mandates/${mandate.id}?update_mask=reference,payer.email`,
      tenant.secret,
      {
        reference: "new-ref-001",
        payer: { name: "Ignored Name", email: "new@example.com" },
        metadata: { ignored: "yes" },
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      reference: "NEW-REF-001",
      payer: { name: mandate.payer.name, email: "new@example.com" },
      metadata: { keep: "me" },
    });
    expect(Date.parse(answer.body.updateTime)).toBeGreaterThanOrEqual(Date.parse(mandate.updateTime));
    const audit = await scoped(tenant).find(AuditEvent, { target: mandate.id, action: "mandate.update" });
    expect(audit.map((a) => a.outcome)).toEqual(["success:payer.email,reference"]);
  });

  it("without a mask changes every field that is set; with * replaces all four, clearing metadata", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant, { metadata: { a: "1" } });
    const unmasked = await rest(server, "PATCH", `/v1/mandates/${mandate.id}`, tenant.secret, {
      payer: { name: "Renamed" },
    });
    expect(unmasked.body).toMatchObject({
      payer: { name: "Renamed", email: mandate.payer.email },
      metadata: { a: "1" },
      reference: mandate.reference,
    });
    const all = await rest(server, "PATCH", `/v1/mandates/${mandate.id}?update_mask=*`, tenant.secret, {
      reference: "ALL-FOUR-1",
      payer: { name: "Star", email: "star@example.com" },
    });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ reference: "ALL-FOUR-1", payer: { name: "Star", email: "star@example.com" } });
    expect(all.body.metadata).toBeUndefined();
  });

  it.each([
    ["an unknown mask path", "update_mask=state", {}, "update_mask"],
    ["a mask path of an output-only field", "update_mask=bank_account.sort_code", {}, "update_mask"],
    ["an invalid reference", "update_mask=reference", { reference: "bad_ref!" }, "mandate.reference"],
    ["an empty reference under the mask", "update_mask=reference", {}, "mandate.reference"],
    ["an empty payer name", "update_mask=payer.name", { payer: { name: "" } }, "mandate.payer.name"],
    ["an invalid payer email", "update_mask=payer.email", { payer: { email: "not-an-email" } }, "mandate.payer.email"],
    [
      "too many metadata entries",
      "update_mask=metadata",
      { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) },
      "mandate.metadata",
    ],
  ])("refuses %s with INVALID_ARGUMENT naming the field, and changes nothing", async (_title, query, body, field) => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const before = await written(tenant);
    const answer = await rest(server, "PATCH", `/v1/mandates/${mandate.id}?${query}`, tenant.secret, body);
    expect(answer.status).toBe(400);
    expect(violationsOf(answer)).toContain(field);
    expect((await rest(server, "GET", `/v1/mandates/${mandate.id}`, tenant.secret)).body).toEqual(mandate);
    expect(await written(tenant)).toEqual(before);
  });

  it("refuses a new reference once the instruction was submitted (FAILED_PRECONDITION), but takes the payer's new email", async () => {
    const tenant = await newTenant(server);
    const mandate = await mandateIn(server, tenant, "SUBMITTED");
    const answer = await rest(server, "PATCH", `/v1/mandates/${mandate.id}?update_mask=reference`, tenant.secret, {
      reference: "LATE-CHANGE",
    });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("failed_precondition");
    expect(reasonOf(answer)).toBe("MANDATE_REFERENCE_LOCKED");
    const email = await rest(server, "PATCH", `/v1/mandates/${mandate.id}?update_mask=payer.email`, tenant.secret, {
      payer: { email: "moved@example.com" },
    });
    expect(email.body.payer.email).toBe("moved@example.com");
  });
});

describe("state transitions", () => {
  const allowed: [StateName, string, StateName][] = [
    ["PENDING_CUSTOMER_APPROVAL", "cancel", "CANCELLED"],
    ["PENDING_SUBMISSION", "cancel", "CANCELLED"],
    ["SUBMITTED", "cancel", "CANCELLED"],
    ["ACTIVE", "cancel", "CANCELLED"],
    ["SUSPENDED", "cancel", "CANCELLED"],
    ["ACTIVE", "suspend", "SUSPENDED"],
    ["SUSPENDED", "reactivate", "ACTIVE"],
    ["PENDING_CUSTOMER_APPROVAL", "resendInvite", "PENDING_CUSTOMER_APPROVAL"],
  ];
  it.each(allowed)("%s: %s leads to %s, recording cause, reason, notification and audit", async (from, action, to) => {
    const tenant = await newTenant(server);
    const mandate = await mandateIn(server, tenant, from);
    const answer = await rest(server, "POST", `/v1/mandates/${mandate.id}:${action}`, tenant.secret, {
      reason: "tenant moved out",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.state).toBe(`MANDATE_STATE_${to}`);
    const audit = await scoped(tenant).find(AuditEvent, {
      target: mandate.id,
      action: { $like: `mandate.${action === "resendInvite" ? "resend_invite" : action}` },
    });
    expect(audit).toHaveLength(1);
    if (action === "resendInvite") return;
    expect(answer.body.lastStateChange).toMatchObject({
      previousState: `MANDATE_STATE_${from}`,
      state: `MANDATE_STATE_${to}`,
      cause: "MANDATE_CAUSE_ORGANISATION",
      description: expect.stringContaining("tenant moved out"),
    });
    // The change's own event, not the payer notice that may follow it.
    const feed = await scoped(tenant).find(
      Notification,
      { resourceId: mandate.id, type: { $like: "mandate.%" } },
      { orderBy: { id: "desc" }, limit: 1 },
    );
    expect(feed[0]!.message).toContain("tenant moved out");
  });

  const states: StateName[] = [
    "PENDING_CUSTOMER_APPROVAL",
    "PENDING_SUBMISSION",
    "SUBMITTED",
    "ACTIVE",
    "SUSPENDED",
    "CANCELLED",
    "FAILED",
    "EXPIRED",
  ];
  const reasons: Record<string, Partial<Record<StateName, string>>> = {
    cancel: { CANCELLED: "MANDATE_ALREADY_CANCELLED", FAILED: "MANDATE_FAILED", EXPIRED: "MANDATE_EXPIRED" },
    suspend: {
      PENDING_CUSTOMER_APPROVAL: "MANDATE_NOT_ACTIVE",
      PENDING_SUBMISSION: "MANDATE_NOT_ACTIVE",
      SUBMITTED: "MANDATE_NOT_ACTIVE",
      SUSPENDED: "MANDATE_ALREADY_SUSPENDED",
      CANCELLED: "MANDATE_NOT_ACTIVE",
      FAILED: "MANDATE_NOT_ACTIVE",
      EXPIRED: "MANDATE_NOT_ACTIVE",
    },
    reactivate: {
      PENDING_CUSTOMER_APPROVAL: "MANDATE_SETUP_IN_PROGRESS",
      PENDING_SUBMISSION: "MANDATE_SETUP_IN_PROGRESS",
      SUBMITTED: "MANDATE_SETUP_IN_PROGRESS",
      ACTIVE: "MANDATE_ALREADY_ACTIVE",
      CANCELLED: "PAYER_AUTHORISATION_REQUIRED",
      FAILED: "PAYER_AUTHORISATION_REQUIRED",
      EXPIRED: "PAYER_AUTHORISATION_REQUIRED",
    },
    resendInvite: Object.fromEntries(
      states.filter((s) => s !== "PENDING_CUSTOMER_APPROVAL").map((s) => [s, "MANDATE_NOT_AWAITING_PAYER"]),
    ),
  };
  const refused = Object.entries(reasons).flatMap(([action, byState]) =>
    Object.entries(byState).map(([state, reason]) => [state as StateName, action, reason] as const),
  );

  it("covers every state and action: each pair is either allowed or refused with a reason", () => {
    for (const state of states) {
      for (const action of Object.keys(reasons)) {
        const isAllowed = allowed.some(([from, a]) => from === state && a === action);
        expect(isAllowed !== (reasons[action]![state] !== undefined), `${state} ${action}`).toBe(true);
      }
    }
  });

  it.each(refused)("%s: %s answers FAILED_PRECONDITION %s and changes nothing", async (state, action, reason) => {
    const tenant = await newTenant(server);
    const mandate = await mandateIn(server, tenant, state);
    const before = await written(tenant);
    const answer = await rest(server, "POST", `/v1/mandates/${mandate.id}:${action}`, tenant.secret, {});
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("failed_precondition");
    expect(reasonOf(answer)).toBe(reason);
    expect((await rest(server, "GET", `/v1/mandates/${mandate.id}`, tenant.secret)).body).toEqual(mandate);
    expect(await written(tenant)).toEqual(before);
  });

  // Cancelled by the organisation is covered above (mandateIn cancels as the organisation).
  it.each([
    ["the payer (ADDACS 1)", "1"],
    ["the payer's bank (ADDACS B, account closed)", "B"],
  ])("refuses to reactivate a mandate cancelled by %s: PAYER_AUTHORISATION_REQUIRED", async (_by, code) => {
    const tenant = await newTenant(server);
    const active = await mandateIn(server, tenant, "ACTIVE");
    await external(server, tenant, active.id, "cancel", code);
    const cancelled = (await rest(server, "GET", `/v1/mandates/${active.id}`, tenant.secret)).body;
    expect(cancelled.lastStateChange).toMatchObject({ cause: "MANDATE_CAUSE_BACS_ADDACS", reasonCode: code });
    const before = await written(tenant);
    const answer = await rest(server, "POST", `/v1/mandates/${active.id}:reactivate`, tenant.secret, {});
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe("PAYER_AUTHORISATION_REQUIRED");
    expect(answer.body.message).toContain("POST /v1/mandates");
    expect((await rest(server, "GET", `/v1/mandates/${active.id}`, tenant.secret)).body).toEqual(cancelled);
    expect(await written(tenant)).toEqual(before);
  });

  it("takes the payer's fresh authority as a new mandate with the closed one's payer and reference", async () => {
    const tenant = await newTenant(server);
    const closed = await mandateIn(server, tenant, "CANCELLED");
    const again = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: closed.payer,
      reference: closed.reference,
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      state: "MANDATE_STATE_PENDING_CUSTOMER_APPROVAL",
      reference: closed.reference,
      payer: closed.payer,
    });
    expect(await inviteTokens(server, closed.payer.email)).toHaveLength(2);
    // While that one is open, its reference is taken.
    const third = await rest(server, "POST", "/v1/mandates", tenant.secret, {
      payer: closed.payer,
      reference: closed.reference,
    });
    expect(third.status).toBe(409);
    expect(reasonOf(third)).toBe("MANDATE_REFERENCE_ALREADY_EXISTS");
    const byReference = await rest(server, "GET", `/v1/mandates?reference=${closed.reference}`, tenant.secret);
    expect(byReference.body.mandates.map((m: MandateJson) => m.id)).toEqual([again.body.id, closed.id]);
  });

  it("records a Bacs reason code with its cause (AUDDIS failure)", async () => {
    const tenant = await newTenant(server);
    const mandate = await mandateIn(server, tenant, "FAILED");
    expect(mandate.lastStateChange).toMatchObject({
      cause: "MANDATE_CAUSE_BACS_AUDDIS",
      reasonCode: "B",
      previousState: "MANDATE_STATE_SUBMITTED",
    });
    const feed = await scoped(tenant).find(Notification, { resourceId: mandate.id, type: "mandate.failed" });
    expect(feed.map((n) => n.reasonCode)).toEqual(["B"]);
  });

  it.each([
    ["cancel", "mandate_id", ""],
    ["suspend", "reason", "r".repeat(501)],
  ])("%s with an invalid %s answers INVALID_ARGUMENT naming it", async (action, field, reason) => {
    const tenant = await newTenant(server);
    const mandate = await mandateIn(server, tenant, "ACTIVE");
    const before = await written(tenant);
    const id = field === "mandate_id" ? "" : mandate.id;
    // REST cannot send an empty path segment, so the empty id goes through the Connect JSON route.
    const answer =
      id === ""
        ? await rest(
            server,
            "POST",
            `/dd.v1.MandateService/${action === "cancel" ? "CancelMandate" : "SuspendMandate"}`,
            tenant.secret,
            { mandateId: "", reason },
          )
        : await rest(server, "POST", `/v1/mandates/${id}:${action}`, tenant.secret, { reason });
    expect(answer.status).toBe(400);
    const details = JSON.stringify(answer.body);
    expect(details).toContain(`"field":"${field}"`);
    expect(await written(tenant)).toEqual(before);
  });
});

describe("ResendMandateInvite", () => {
  it("emails a new link and voids the old one", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const oldToken = await latestInviteToken(server, mandate.payer.email);
    const resent = await rest(server, "POST", `/v1/mandates/${mandate.id}:resendInvite`, tenant.secret, {});
    expect(resent.status).toBe(200);
    const tokens = await inviteTokens(server, mandate.payer.email);
    expect(tokens).toHaveLength(2);
    const newToken = tokens[1]!;
    expect(newToken).not.toBe(oldToken);
    expect((await completeInvite(server, oldToken)).status).toBe(404);
    expect((await completeInvite(server, newToken)).status).toBe(200);
  });
});

describe("GetMandateInvite", () => {
  it("shows the payer the organisation, their name and the reference, without using the link up", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const token = await latestInviteToken(server, mandate.payer.email);
    const shown = await rest(server, "GET", `/v1/mandateInvites/${token}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      organisationName: expect.any(String),
      ...(await bacsIdentity(tenant)),
      advanceNoticeWorkingDays: 10,
      payerName: mandate.payer.name,
      mandateReference: mandate.reference,
      expireTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(shown.body.organisationName).not.toBe("");
    expect(JSON.stringify(shown.body)).not.toContain(mandate.id);
    expect(JSON.stringify(shown.body)).not.toContain(mandate.payer.email);
    expect((await rest(server, "GET", `/v1/mandateInvites/${token}`)).status).toBe(200);
    expect((await completeInvite(server, token)).status).toBe(200);
  });

  it("shows the organisation's Bacs identity as it is when the payer opens the link", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const token = await latestInviteToken(server, mandate.payer.email);
    await withTenant(server.database.orm, tenant.organisationId, (em) =>
      server.app.provisioning.setBacsIdentity(
        em,
        { organisationId: tenant.organisationId, actor: "operator" },
        { serviceUserNumber: "987654", bacsDisplayName: "Acme Rent & Co." },
      ),
    );
    const shown = await rest(server, "GET", `/v1/mandateInvites/${token}`);
    expect(shown.body).toMatchObject({ serviceUserNumber: "987654", bacsDisplayName: "ACME RENT & CO." });
  });

  it("tells the payer how many working days' notice the organisation gives, as it is when they open the link", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const token = await latestInviteToken(server, mandate.payer.email);
    expect((await rest(server, "GET", `/v1/mandateInvites/${token}`)).body.advanceNoticeWorkingDays).toBe(10);
    await server.admin.em
      .fork()
      .getConnection()
      .execute("update organisation set advance_notice_working_days = 5 where id = ?", [tenant.organisationId]);
    expect((await rest(server, "GET", `/v1/mandateInvites/${token}`)).body.advanceNoticeWorkingDays).toBe(5);
  });

  it("leaves out the SUN and display name of an organisation that has none yet, and still names it", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const token = await latestInviteToken(server, mandate.payer.email);
    // As the migration leaves an organisation that existed before them, when its name did not fit.
    await server.admin.em
      .fork()
      .getConnection()
      .execute("update organisation set service_user_number = null, bacs_display_name = null where id = ?", [
        tenant.organisationId,
      ]);
    const shown = await rest(server, "GET", `/v1/mandateInvites/${token}`);
    expect(shown.status).toBe(200);
    expect(Object.keys(shown.body).sort()).toEqual([
      "advanceNoticeWorkingDays",
      "expireTime",
      "mandateReference",
      "organisationName",
      "payerName",
    ]);
    expect(shown.body.organisationName).toMatch(/^Org /);
  });

  it("answers NOT_FOUND alike for unknown, malformed, used, superseded and expired tokens", async () => {
    const tenant = await newTenant(server);
    const used = await createMandate(server, tenant);
    const usedToken = await latestInviteToken(server, used.payer.email);
    await completeInvite(server, usedToken);
    const resent = await createMandate(server, tenant);
    const supersededToken = await latestInviteToken(server, resent.payer.email);
    await rest(server, "POST", `/v1/mandates/${resent.id}:resendInvite`, tenant.secret, {});
    const expiring = await createMandate(server, tenant);
    const expiringToken = await latestInviteToken(server, expiring.payer.email);
    clock.advance(14 * 86_400_000 + 1000);
    const answers = await Promise.all(
      ["A".repeat(43), "short", usedToken, supersededToken, expiringToken].map((token) =>
        rest(server, "GET", `/v1/mandateInvites/${token}`),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
    expect(new Set(answers.map((a) => a.body.message)).size).toBe(1);
  });
});

describe("CompleteMandateInvite", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["an empty account holder name", { account_holder_name: "" }, "account_holder_name"],
    ["an account holder name of 141 characters", { account_holder_name: "n".repeat(141) }, "account_holder_name"],
    ["an account holder name without a letter", { account_holder_name: "1234" }, "account_holder_name"],
    ["a sort code with dashes", { sort_code: "20-04-15" }, "sort_code"],
    ["a sort code of 5 digits", { sort_code: "20041" }, "sort_code"],
    ["a sort code of one repeated digit", { sort_code: "000000" }, "sort_code"],
    ["an account number of 7 digits", { account_number: "3192681" }, "account_number"],
    ["an account number with a letter", { account_number: "3192681X" }, "account_number"],
    ["an account number of one repeated digit", { account_number: "11111111" }, "account_number"],
    ["an account number that is a run", { account_number: "12345678" }, "account_number"],
    // One digit off 31226819: the shape is right, Vocalink's modulus check for 20-04-15 is not.
    ["an account number failing the modulus check", { account_number: "31926819" }, "account_number"],
    ["no declaration", { account_holder_confirmed: undefined }, "account_holder_confirmed"],
    ["a declaration of false", { account_holder_confirmed: false }, "account_holder_confirmed"],
  ];
  it.each(cases)(
    "refuses %s with INVALID_ARGUMENT naming it; nothing is written and the link still works",
    async (_title, bad, field) => {
      const tenant = await newTenant(server);
      const mandate = await createMandate(server, tenant);
      const token = await latestInviteToken(server, mandate.payer.email);
      const before = await written(tenant);
      const answer = await completeInvite(server, token, { ...goodBankDetails, ...bad });
      expect(answer.status).toBe(400);
      expect(violationsOf(answer)).toEqual([field]);
      expect(await written(tenant)).toEqual(before);
      expect((await rest(server, "GET", `/v1/mandates/${mandate.id}`, tenant.secret)).body).toEqual(mandate);
      expect((await completeInvite(server, token)).status).toBe(200);
    },
  );

  it("names all three bank fields and the declaration when all are bad", async () => {
    const answer = await completeInvite(server, "x".repeat(43), {
      account_holder_name: "",
      sort_code: "1",
      account_number: "2",
    });
    expect(violationsOf(answer).sort()).toEqual([
      "account_holder_confirmed",
      "account_holder_name",
      "account_number",
      "sort_code",
    ]);
  });

  it("answers NOT_FOUND alike for unknown, malformed, used and expired tokens", async () => {
    const tenant = await newTenant(server);
    const used = await createMandate(server, tenant);
    const usedToken = await latestInviteToken(server, used.payer.email);
    await completeInvite(server, usedToken);
    const expiring = await createMandate(server, tenant);
    const expiringToken = await latestInviteToken(server, expiring.payer.email);
    clock.advance(14 * 86_400_000 + 1000);
    const answers = await Promise.all([
      completeInvite(server, "A".repeat(43)),
      completeInvite(server, "short"),
      completeInvite(server, usedToken),
      completeInvite(server, expiringToken),
    ]);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    expect(new Set(answers.map((a) => a.body.message)).size).toBe(1);
    expect(answers[0]!.body.message).not.toContain("A".repeat(43));
    // A resend after expiry gives a working link.
    expect((await rest(server, "POST", `/v1/mandates/${expiring.id}:resendInvite`, tenant.secret, {})).status).toBe(
      200,
    );
    expect((await completeInvite(server, await latestInviteToken(server, expiring.payer.email))).status).toBe(200);
  });

  it("takes one of two concurrent completions of the same link", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const token = await latestInviteToken(server, mandate.payer.email);
    const answers = await Promise.all([completeInvite(server, token), completeInvite(server, token)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404]);
    const feed = await scoped(tenant).find(Notification, {
      resourceId: mandate.id,
      type: "mandate.completed_by_payer",
    });
    expect(feed).toHaveLength(1);
  });
});

describe("over a real @grpc/grpc-js client", () => {
  function reason(trailers: grpc.Metadata | undefined): string | undefined {
    const bytes = trailers?.get("grpc-status-details-bin")[0];
    if (!(bytes instanceof Buffer)) return undefined;
    return fromBinary(StatusSchema, bytes)
      .details.map((d) => anyUnpack(d, ErrorInfoSchema))
      .find((i) => i !== undefined)?.reason;
  }

  it("creates, completes, reads, lists, suspends and refuses as REST does", async () => {
    const tenant = await newTenant(server);
    const stranger = await newTenant(server);
    const client = grpcJsClient(server.port);
    const auth = { authorization: `Bearer ${tenant.secret}` };
    try {
      const created = await grpcJsUnary(
        client,
        MandateService.method.createMandate,
        { mandate: { payer: { name: "Grpc Payer", email: "grpc.payer@example.com" } } },
        auth,
      );
      expect(created.code).toBe(grpc.status.OK);
      const id = created.message!.id;
      expect(created.message!.state).toBe(MandateState.PENDING_CUSTOMER_APPROVAL);

      const token = await latestInviteToken(server, "grpc.payer@example.com");
      const shown = await grpcJsUnary(client, MandateInviteService.method.getMandateInvite, { inviteToken: token });
      expect(shown.code).toBe(grpc.status.OK);
      expect(shown.message).toMatchObject(await bacsIdentity(tenant));
      const completed = await grpcJsUnary(client, MandateInviteService.method.completeMandateInvite, {
        inviteToken: token,
        accountHolderName: "Grpc Payer",
        sortCode: "200415",
        accountNumber: "31226819",
        accountHolderConfirmed: true,
      });
      expect(completed.code).toBe(grpc.status.OK);
      expect(completed.message!.state).toBe(MandateState.PENDING_SUBMISSION);

      await external(server, tenant, id, "submit");
      await external(server, tenant, id, "activate");
      const got = await grpcJsUnary(client, MandateService.method.getMandate, { mandateId: id }, auth);
      expect(got.message!.state).toBe(MandateState.ACTIVE);
      expect(got.message!.bankAccount?.accountNumberEnding).toBe("19");

      const listed = await grpcJsUnary(
        client,
        MandateService.method.listMandates,
        { state: [MandateState.ACTIVE] },
        auth,
      );
      expect(listed.message!.mandates.map((m) => m.id)).toEqual([id]);

      const suspended = await grpcJsUnary(
        client,
        MandateService.method.suspendMandate,
        { mandateId: id, reason: "arrears" },
        auth,
      );
      expect(suspended.message!.state).toBe(MandateState.SUSPENDED);
      const again = await grpcJsUnary(client, MandateService.method.suspendMandate, { mandateId: id }, auth);
      expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(reason(again.trailers)).toBe("MANDATE_ALREADY_SUSPENDED");

      const bad = await grpcJsUnary(
        client,
        MandateService.method.createMandate,
        { mandate: { payer: { name: "", email: "x" } } },
        auth,
      );
      expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);

      const theirs = await grpcJsUnary(
        client,
        MandateService.method.getMandate,
        { mandateId: id },
        { authorization: `Bearer ${stranger.secret}` },
      );
      expect(theirs.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe("bookkeeping", () => {
  it("never logs an invite token", async () => {
    const tokens = (await outbox(server))
      .map((e) => /\/invite\/([A-Za-z0-9_-]{43})/.exec(e.text)?.[1])
      .filter((t): t is string => !!t);
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens)
      expect(
        server.rawLogs.some((line) => line.includes(token)),
        token,
      ).toBe(false);
  });

  it("touches no other organisation's rows when one organisation acts", async () => {
    const a = await newTenant(server);
    const b = await newTenant(server);
    const mandate = await mandateIn(server, a, "ACTIVE");
    await rest(server, "POST", `/v1/mandates/${mandate.id}:suspend`, a.secret, {});
    expect(await written(b)).toEqual({ mandates: 0, invites: 0, notifications: 0, audit: 0 });
  });
});
