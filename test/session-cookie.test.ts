/**
 * The session cookie's name on a real server: `__Host-dd_session` when the cookie is Secure (browsers
 * then refuse it from plain HTTP, from another path or with a Domain), the bare `dd_session` for
 * plain-HTTP local development; each server reads only its own name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOrganisation, newUser, sessionToken, signIn } from "./support/fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let secure: TestServer;
let plain: TestServer;

beforeAll(async () => {
  [secure, plain] = await Promise.all([
    startTestServer({ withoutRedis: true }),
    startTestServer({ withoutRedis: true, sessionCookieSecure: false }),
  ]);
});
afterAll(async () => Promise.all([secure?.close(), plain?.close()]));

async function currentStatus(server: TestServer, cookie: string): Promise<number> {
  return (await fetch(`${server.baseUrl}/v1/sessions/current`, { headers: { cookie } })).status;
}

describe("the session cookie", () => {
  it("is __Host-dd_session, Secure, Path=/ and without Domain when Secure; the bare name is not read", async () => {
    const org = await newOrganisation(secure);
    const user = await newUser(secure, org, "member");
    const { cookie, setCookie } = await signIn(secure, user.email, user.password);
    const attributes = setCookie.split(";").map((part) => part.trim());
    expect(attributes[0]).toMatch(/^__Host-dd_session=[A-Za-z0-9_-]{43}$/);
    expect(attributes).toEqual(expect.arrayContaining(["Secure", "Path=/"]));
    expect(attributes.some((a) => /^domain=/i.test(a))).toBe(false);
    expect(await currentStatus(secure, cookie)).toBe(200);
    expect(await currentStatus(secure, `dd_session=${sessionToken(cookie)}`)).toBe(401);
  });

  it("keeps the bare dd_session name without Secure (plain-HTTP development); the prefixed name is not read", async () => {
    const org = await newOrganisation(plain);
    const user = await newUser(plain, org, "member");
    const { cookie, setCookie } = await signIn(plain, user.email, user.password);
    const attributes = setCookie.split(";").map((part) => part.trim());
    expect(attributes[0]).toMatch(/^dd_session=[A-Za-z0-9_-]{43}$/);
    expect(attributes).not.toContain("Secure");
    expect(await currentStatus(plain, cookie)).toBe(200);
    expect(await currentStatus(plain, `__Host-dd_session=${sessionToken(cookie)}`)).toBe(401);
  });
});
