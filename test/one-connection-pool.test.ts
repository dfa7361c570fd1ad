/**
 * A service on one pooled connection, as on the embedded database `npm start` uses: a request must
 * never need a second connection while it holds the first (it would wait for ever). Mandate reads
 * date next_possible_charge_date by the organisation's notice period, read through the request's
 * own transaction when the settings cache is cold: session callers, unlike API keys, are not rate
 * limited per organisation, so nothing has warmed it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionRest } from "./support/collections.js";
import { newSignedInUser } from "./support/fixtures.js";
import { createMandate, newTenant } from "./support/mandates.js";
import { TestClock } from "./support/test-clock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ poolMax: 1, clock });
});
afterAll(() => server?.close());

describe("a pool of one connection", () => {
  it("serves a signed-in user's first mandate reads", async () => {
    const tenant = await newTenant(server);
    const mandate = await createMandate(server, tenant);
    const user = await newSignedInUser(server, tenant.organisationId, "viewer");
    clock.advance(60_000); // past the settings cache's lifetime: the API key's calls warmed it
    const listed = await sessionRest(server, "GET", "/v1/mandates", user.cookie);
    const read = await sessionRest(server, "GET", `/v1/mandates/${mandate.id}`, user.cookie);
    expect([listed.status, read.status]).toEqual([200, 200]);
    expect(read.body.nextPossibleChargeDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
