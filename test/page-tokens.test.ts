/**
 * Page tokens that decode but are not ones this service issued answer INVALID_ARGUMENT page_token,
 * never INTERNAL: a token whose JSON is not an object, and a clawback cursor holding an impossible time.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApiKey, newOrganisation } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const get = (path: string, secret: string) =>
  fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${secret}` } });
const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

/**
 * clawbackToken builds a token the way the service would for ListClawbacks without filters, around
 * the given cursor: it passes the fingerprint check, so only the cursor itself is on trial.
 */
function clawbackToken(organisationId: string, cursor: { chargeBackTime: string; id: string }): string {
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([organisationId, { from: "", to: "" }]))
    .digest("base64url")
    .slice(0, 16);
  return base64url(JSON.stringify({ c: cursor, f: fingerprint }));
}

describe("page tokens", () => {
  it("answers 400 naming page_token for tokens whose JSON is not an object", async () => {
    const org = await newOrganisation(server);
    const key = await newApiKey(server, org);
    expect(base64url("null")).toBe("bnVsbA");
    for (const body of ["null", "0", '"a"', "true"]) {
      const res = await get(`/v1/mandates?page_token=${base64url(body)}`, key.secret);
      expect(res.status, body).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('"field":"page_token"');
    }
  });

  it("answers 400 naming page_token for a clawback cursor holding an impossible time", async () => {
    const org = await newOrganisation(server);
    const key = await newApiKey(server, org);
    const id = `CL${"0".repeat(26)}`;
    // The well-formed control proves the forged token passes every other check.
    const control = await get(
      `/v1/reports/clawbacks?page_token=${clawbackToken(org, { chargeBackTime: "2024-02-29T23:59:59.999999Z", id })}`,
      key.secret,
    );
    expect(control.status).toBe(200);
    for (const time of [
      "2024-13-45T99:99:99.000000Z",
      "2024-02-30T00:00:00.000000Z",
      "2024-01-01T24:00:00.000000Z",
      "0000-01-01T00:00:00.000000Z",
    ]) {
      const res = await get(
        `/v1/reports/clawbacks?page_token=${clawbackToken(org, { chargeBackTime: time, id })}`,
        key.secret,
      );
      expect(res.status, time).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('"field":"page_token"');
    }
  });
});
