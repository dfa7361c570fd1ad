/**
 * mandates.ts (test support) drives mandates over REST the way an integrator and a payer do, reads
 * the invite emails from the server's outbox, and moves mandates through the steps that Bacs
 * processing owns (submit, activate, fail, expire) through the same MandateTransitions the processor uses.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MandateCauseName } from "../../src/modules/mandates/mandate-lifecycle.js";
import type { ExternalAction } from "../../src/modules/mandates/mandate-transitions.js";
import { scopeToOrganisation } from "../../src/platform/db/tenant-filter.js";
import type { OutboxEmail } from "../../src/platform/mail/outbox-mailer.js";
import { newApiKey, newOrganisation } from "./fixtures.js";
import type { TestServer } from "./test-server.js";

/** RestAnswer is an HTTP status and the parsed JSON body. */
export interface RestAnswer {
  status: number;
  // Tests read arbitrary fields of the answer; the shape is what each test asserts.
  body: any;
}

/** MandateJson is a mandate as REST shows it (proto3 JSON, lowerCamelCase). */
export interface MandateJson {
  id: string;
  state: string;
  reference: string;
  payer: { name: string; email: string };
  bankAccount?: { accountHolderName: string; sortCode: string; accountNumberEnding: string };
  metadata?: Record<string, string>;
  resubmissionCount?: number;
  inviteExpireTime?: string;
  updateTime: string;
  lastStateChange: { previousState?: string; state: string; cause: string; reasonCode?: string; description: string };
}

/** rest calls the REST API; `secret` (an API key) is sent as a Bearer token when given. */
export async function rest(
  server: TestServer,
  method: string,
  path: string,
  secret?: string,
  body?: unknown,
): Promise<RestAnswer> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** violationsOf lists the BadRequest field names of a REST error body. */
export function violationsOf(answer: RestAnswer): string[] {
  const details = (answer.body?.details ?? []) as { fieldViolations?: { field: string }[] }[];
  return details.flatMap((d) => (d.fieldViolations ?? []).map((v) => v.field));
}

/** reasonOf is the ErrorInfo reason of a REST error body. */
export function reasonOf(answer: RestAnswer): string | undefined {
  const details = (answer.body?.details ?? []) as { "@type": string; reason?: string }[];
  return details.find((d) => d["@type"].endsWith("google.rpc.ErrorInfo"))?.reason;
}

/** Tenant is an organisation with a full-scope API key. */
export interface Tenant {
  organisationId: string;
  secret: string;
}

/** newTenant creates an organisation and a key holding every scope. */
export async function newTenant(server: TestServer): Promise<Tenant> {
  const organisationId = await newOrganisation(server);
  const { secret } = await newApiKey(server, organisationId);
  return { organisationId, secret };
}

let payerCount = 0;

/** createMandate creates a mandate over REST for a fresh payer and returns it. */
export async function createMandate(
  server: TestServer,
  tenant: Tenant,
  fields: Record<string, unknown> = {},
): Promise<MandateJson> {
  payerCount++;
  const body = {
    payer: { name: `Payer ${payerCount}`, email: `payer${payerCount}-${Date.now()}@example.com` },
    ...fields,
  };
  const answer = await rest(server, "POST", "/v1/mandates", tenant.secret, body);
  if (answer.status !== 200) throw new Error(`create failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as MandateJson;
}

/** outbox reads every email the server wrote, oldest first. */
export async function outbox(server: TestServer): Promise<OutboxEmail[]> {
  let files: string[];
  try {
    files = (await readdir(server.outboxDir)).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return [];
  }
  return Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(server.outboxDir, f), "utf8")) as OutboxEmail),
  );
}

/** emailsTo are the emails sent to `address`, oldest first. */
export async function emailsTo(server: TestServer, address: string): Promise<OutboxEmail[]> {
  return (await outbox(server)).filter((e) => e.to === address);
}

/** scopedTo is a fresh EntityManager that sees `tenant`'s rows only, to read what a call wrote. */
export function scopedTo(server: TestServer, tenant: Pick<Tenant, "organisationId">) {
  return scopeToOrganisation(server.admin.em.fork(), tenant.organisationId);
}

/** inviteTokens are the tokens of the invite links emailed to `email`, oldest first. */
export async function inviteTokens(server: TestServer, email: string): Promise<string[]> {
  const emails = await emailsTo(server, email);
  // The payer's other emails (confirmation, notices) hold no invite link.
  return emails.flatMap((e) => /\/invite\/([A-Za-z0-9_-]{43})/.exec(e.text)?.[1] ?? []);
}

/** latestInviteToken is the token of the newest invite emailed to `email`. */
export async function latestInviteToken(server: TestServer, email: string): Promise<string> {
  const token = (await inviteTokens(server, email)).at(-1);
  if (!token) throw new Error(`no invite emailed to ${email}`);
  return token;
}

/** goodBankDetails pass every check (the modulus check too), with the payer's declaration. */
export const goodBankDetails = {
  account_holder_name: "Jane Payer",
  sort_code: "200415",
  account_number: "31226819",
  account_holder_confirmed: true,
};

/** completeInvite completes an invite over REST, without credentials, as the payer's browser does. */
export function completeInvite(
  server: TestServer,
  token: string,
  details: Record<string, unknown> = goodBankDetails,
): Promise<RestAnswer> {
  return rest(server, "POST", `/v1/mandateInvites/${token}:complete`, undefined, details);
}

/** completeMandate completes a fresh mandate's invite; the mandate is then PENDING_SUBMISSION. */
export async function completeMandate(server: TestServer, mandate: MandateJson): Promise<void> {
  const answer = await completeInvite(server, await latestInviteToken(server, mandate.payer.email));
  if (answer.status !== 200) throw new Error(`complete failed: ${answer.status} ${JSON.stringify(answer.body)}`);
}

const causes: Record<ExternalAction, MandateCauseName> = {
  submit: "PROCESSING",
  activate: "PROCESSING",
  fail: "BACS_AUDDIS",
  cancel: "BACS_ADDACS",
  expire: "EXPIRY",
};

/** external applies a step Bacs owns, as the processor will, through MandateTransitions. */
export async function external(
  server: TestServer,
  tenant: Tenant,
  id: string,
  action: ExternalAction,
  reasonCode?: string,
): Promise<void> {
  const em = scopedTo(server, tenant);
  const acting = { organisationId: tenant.organisationId, actor: "system" };
  await server.app.mandateTransitions.applyExternal(em, acting, id, action, {
    cause: causes[action],
    reasonCode,
    description: `test: ${action}`,
  });
}

/** StateName is a MandateState without its prefix. */
export type StateName =
  | "PENDING_CUSTOMER_APPROVAL"
  | "PENDING_SUBMISSION"
  | "SUBMITTED"
  | "ACTIVE"
  | "SUSPENDED"
  | "CANCELLED"
  | "FAILED"
  | "EXPIRED";

/** mandateIn creates a mandate and walks it into `state` by the usual path (payer completes first). */
export async function mandateIn(server: TestServer, tenant: Tenant, state: StateName): Promise<MandateJson> {
  const mandate = await createMandate(server, tenant);
  const post = async (action: string) => {
    const answer = await rest(server, "POST", `/v1/mandates/${mandate.id}:${action}`, tenant.secret, {});
    if (answer.status !== 200) throw new Error(`${action} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  if (state === "PENDING_CUSTOMER_APPROVAL") return refreshed();
  await completeMandate(server, mandate);
  if (state === "PENDING_SUBMISSION") return refreshed();
  await external(server, tenant, mandate.id, "submit");
  if (state === "SUBMITTED") return refreshed();
  if (state === "FAILED") {
    await external(server, tenant, mandate.id, "fail", "B");
    return refreshed();
  }
  await external(server, tenant, mandate.id, "activate");
  if (state === "SUSPENDED") await post("suspend");
  if (state === "CANCELLED") await post("cancel");
  if (state === "EXPIRED") await external(server, tenant, mandate.id, "expire");
  return refreshed();

  async function refreshed(): Promise<MandateJson> {
    const answer = await rest(server, "GET", `/v1/mandates/${mandate.id}`, tenant.secret);
    const got = answer.body as MandateJson;
    if (got.state !== `MANDATE_STATE_${state}`) throw new Error(`wanted ${state}, got ${got.state}`);
    return got;
  }
}
