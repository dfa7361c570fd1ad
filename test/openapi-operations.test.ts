/**
 * Every operation the OpenAPI document lists answers on a running server: each route exists (no
 * 404 "no route", no 405), and each GET, called as the document says (its credential, its required
 * query parameters, ids of real resources), answers 200. Writes are called without credentials, so
 * that they prove their route and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import document from "../openapi/openapi.json" with { type: "json" };
import { createSchedule, type Staff, sessionRest, withAdmin } from "./support/collections.js";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { createMandate, latestInviteToken, mandateIn, rest } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  security: Record<string, string[]>[];
}

let server: TestServer;
let staff: Staff;
/** A real resource for each path parameter of a GET. */
const ids: Record<string, string> = {};

/** Values for the required query parameters, as an integrator would send them. */
const queryExamples: Record<string, string> = { from: "2026-01-01", to: "2026-12-31" };

beforeAll(async () => {
  server = await startTestServer({ withoutRedis: true });
  const organisationId = await newOrganisation(server, true);
  const key = await newApiKey(server, organisationId);
  staff = await withAdmin(server, { organisationId, secret: key.secret });
  const mandate = await mandateIn(server, staff, "ACTIVE");
  const schedule = await createSchedule(server, staff, {
    mandate_id: mandate.id,
    amount_minor: "50000",
    interval_unit: "INTERVAL_UNIT_MONTHLY",
    start_date: new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(new Date()),
  });
  const collections = await rest(server, "GET", `/v1/collections?schedule_id=${schedule.id}`, staff.secret);
  const collectionId: string = collections.body.collections[0].id;
  // A charge-back raises an alert (the default thresholds).
  for (const scenario of ["COLLECTION_SCENARIO_PAY", "COLLECTION_SCENARIO_CHARGE_BACK"]) {
    const simulated = await rest(server, "POST", `/v1/sandbox/collections/${collectionId}:simulate`, staff.secret, {
      scenario,
    });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
  }
  const alerts = await rest(server, "GET", "/v1/alerts", staff.secret);
  const users = await sessionRest(server, "GET", "/v1/users", staff.cookie);
  const pending = await createMandate(server, staff);
  const endpoint = await sessionRest(server, "POST", "/v1/webhookEndpoints", staff.cookie, {
    url: "https://hooks.example.com/dd",
    eventTypes: ["NOTIFICATION_TYPE_MANDATE_CREATED"],
  });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
  Object.assign(ids, {
    webhook_endpoint_id: endpoint.body.webhookEndpoint.id,
    mandate_id: mandate.id,
    schedule_id: schedule.id,
    collection_id: collectionId,
    alert_id: alerts.body.alerts[0].id,
    api_key_id: key.id,
    user_id: users.body.users[0].id,
    invite_token: await latestInviteToken(server, pending.payer.email),
  });
});
afterAll(async () => server?.close());

const operations = Object.entries(document.paths).flatMap(([path, verbs]) =>
  Object.entries(verbs as Record<string, Operation>).map(([verb, op]) => ({ path, verb: verb.toUpperCase(), op })),
);

/** call sends the operation as the document describes it, with `credentials` or none. */
async function call(path: string, verb: string, op: Operation, credentials: boolean) {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? "XX0000000000"));
  const query = (op.parameters ?? [])
    .filter((p) => p.in === "query" && p.required && queryExamples[p.name])
    .map((p) => `${p.name}=${queryExamples[p.name]}`)
    .join("&");
  const url = query ? `${filled}?${query}` : filled;
  const body = verb === "GET" || verb === "DELETE" ? undefined : {};
  if (!credentials || op.security.length === 0) return rest(server, verb, url, undefined, body);
  // An operation API keys may call is called with one; a session-only one with the admin's session.
  return op.security.some((s) => "apiKey" in s)
    ? rest(server, verb, url, staff.secret, body)
    : sessionRest(server, verb, url, staff.cookie, body);
}

describe("every operation of the OpenAPI document", () => {
  it("lists every route", () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  it.each(operations.filter((o) => o.verb === "GET"))("answers GET $path with 200", async ({ path, verb, op }) => {
    const answer = await call(path, verb, op, true);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it.each(operations.filter((o) => o.verb !== "GET"))("has a route for $verb $path", async ({ path, verb, op }) => {
    const answer = await call(path, verb, op, false);
    expect(answer.status, JSON.stringify(answer.body)).not.toBe(405);
    if (answer.status === 404) expect(answer.body.message).not.toMatch(/^no route/);
  });
});
