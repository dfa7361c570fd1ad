/**
 * fixtures.ts sets up organisations, API keys and signed-in users on a test server, through the same
 * services the operator CLI and the API use. Every fixture is fresh: names and emails are random.
 */
import { randomBytes, scryptSync } from "node:crypto";
import { ApiKeyManager } from "../../src/modules/identity/api-key.service.js";
import { Organisation } from "../../src/modules/identity/organisation.entity.js";
import { type RoleName, scopeNames } from "../../src/modules/identity/scopes.js";
import { User } from "../../src/modules/identity/user.entity.js";
import { systemClock } from "../../src/platform/clock.js";
import { acrossTenants, withTenant } from "../../src/platform/db/tenant-session.js";
import { newId } from "../../src/platform/ids.js";
import { testPasswordCost } from "./test-password-cost.js";
import type { TestServer } from "./test-server.js";

export const allScopes: readonly string[] = scopeNames;

/**
 * newOrganisation creates an organisation (live unless sandbox). A live one gets the Bacs identity
 * live organisations need (liveBacsIdentity); a sandbox one makes its display name from its name.
 */
export async function newOrganisation(server: TestServer, sandbox = false): Promise<string> {
  const name = `Org ${randomBytes(3).toString("hex")}`;
  const organisation = await acrossTenants(server.database.orm, "provisioning", (em) =>
    server.app.provisioning.createOrganisation(em, { name, sandbox, ...(sandbox ? {} : liveBacsIdentity(name)) }),
  );
  return organisation.id;
}

/**
 * liveBacsIdentity is a made-up service user number (6 random digits; nothing makes them unique) and
 * the organisation's name as its display name, for creating live organisations in tests.
 */
export function liveBacsIdentity(name: string): { serviceUserNumber: string; bacsDisplayName: string } {
  const serviceUserNumber = String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, "0");
  return { serviceUserNumber, bacsDisplayName: name.slice(0, 18) };
}

/** newApiKey issues a key as the operator would; returns its id and secret. */
export async function newApiKey(
  server: TestServer,
  organisationId: string,
  scopes: readonly string[] = allScopes,
  options: { ttlSeconds?: number } = {},
): Promise<{ id: string; secret: string }> {
  const { key, secret } = await withTenant(server.database.orm, organisationId, (em) =>
    server.app.apiKeys.create(
      em,
      { organisationId, actor: "operator" },
      { name: "test key", scopes, ttlSeconds: options.ttlSeconds },
    ),
  );
  return { id: key.id, secret };
}

/** fixtureHash stores a fixture user's password at the test servers' cost, so sign-in never rehashes it. */
function fixtureHash(password: string): string {
  return storedHash(password, testPasswordCost.N);
}

/**
 * storedHash is a password hash as the service stores them, made at cost N without PasswordHasher:
 * N=2^15 is the cost before OWASP's (a user whose hash predates it), N=2^10 the fixtures' own.
 */
export function storedHash(password: string, N: number): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize("NFKC"), salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
  return ["scrypt", N, 8, 1, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

/** newUser creates a user with a random email and password (stored at the test cost: fixtureHash). */
export async function newUser(
  server: TestServer,
  organisationId: string,
  role: RoleName,
): Promise<{ id: string; email: string; password: string }> {
  const email = `user-${randomBytes(6).toString("hex")}@example.com`;
  const password = randomBytes(12).toString("base64url");
  const id = await withTenant(server.database.orm, organisationId, async (em) => {
    const now = server.app.clock.now();
    const user = em.create(User, {
      id: newId("US", now.getTime()),
      organisation: em.getReference(Organisation, organisationId),
      email,
      passwordHash: fixtureHash(password),
      role,
      createTime: now,
      updateTime: now,
    });
    await em.flush();
    return user.id;
  });
  return { id, email, password };
}

/** signIn signs in over REST and returns the session cookie ("__Host-dd_session=…") and the Set-Cookie header. */
export async function signIn(
  server: TestServer,
  email: string,
  password: string,
): Promise<{ cookie: string; setCookie: string }> {
  const res = await fetch(`${server.baseUrl}/v1/sessions:signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0] ?? "", setCookie };
}

/** sessionToken is the token a session cookie ("name=token") carries: what must never reach a log. */
export function sessionToken(cookie: string): string {
  return cookie.slice(cookie.indexOf("=") + 1);
}

/** newSignedInUser creates a user of the role and signs it in. */
export async function newSignedInUser(server: TestServer, organisationId: string, role: RoleName) {
  const user = await newUser(server, organisationId, role);
  return { ...user, ...(await signIn(server, user.email, user.password)) };
}

/**
 * issueKeyInDatabase issues a key straight into a database no in-process server owns (tests that run
 * servers as child processes): the manager alone, with no replica to tell.
 */
export async function issueKeyInDatabase(
  orm: TestServer["database"]["orm"],
  organisationId: string,
  scopes: readonly string[] = allScopes,
): Promise<{ id: string; secret: string }> {
  const manager = new ApiKeyManager({ clock: systemClock, announce: async () => undefined });
  const { key, secret } = await withTenant(orm, organisationId, (em) =>
    manager.create(em, { organisationId, actor: "operator" }, { name: "test key", scopes }),
  );
  return { id: key.id, secret };
}
