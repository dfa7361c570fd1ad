/**
 * Sign-in throttling under parallel attempts: the per-email count is taken before the password is
 * checked, so a burst of attempts for one email cannot all pass the limit. Its own server, so the
 * burst does not use up the per-address allowance of other test files' sign-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOrganisation, newUser } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const signIn = (email: string, password: string) =>
  fetch(`${server.baseUrl}/v1/sessions:signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });

describe("sign-in throttle", () => {
  it("lets at most 10 of 50 parallel wrong sign-ins for one email reach the password check", async () => {
    const org = await newOrganisation(server);
    const user = await newUser(server, org, "admin");
    const answers = await Promise.all(Array.from({ length: 50 }, () => signIn(user.email, "wrong-password-x")));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    const throttled = answers.find((r) => r.status === 429)!;
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.stringify(await throttled.json())).toContain("SIGN_IN_THROTTLED");
  });

  it("throttles an unknown email exactly like a known one", async () => {
    const email = `nobody-${Date.now()}@example.com`;
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => signIn(email, "wrong-password-x")))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });
});
