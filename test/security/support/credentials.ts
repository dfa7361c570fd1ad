/**
 * credentials.ts makes the credentials the security suite presents: headers for keys and session
 * cookies, a key with a broken checksum, keys that were revoked or rotated through the same
 * ApiKeyManager the API uses, and a clock the test moves so expiry and grace periods pass at once
 * instead of after a real wait (the suite stays fast and does not depend on timing).
 */
import { randomBytes } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { isWellFormedApiKey } from "../../../src/modules/identity/api-key-format.js";
import type { Clock } from "../../../src/platform/clock.js";
import { scopeToOrganisation } from "../../../src/platform/db/tenant-filter.js";
import { sessionCookieName } from "../../../src/rpc/session-cookie.js";
import type { TestServer } from "../../support/test-server.js";
import type { RequestHeaders } from "./rpc-caller.js";

/** ManualClock is real time plus an offset the test moves forward. */
export interface ManualClock extends Clock {
  advance(seconds: number): void;
}

/** manualClock starts at real time: rows written before and after a move stay in order. */
export function manualClock(): ManualClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
  };
}

/** bearer is the Authorization header for an API key. */
export function bearer(secret: string): RequestHeaders {
  return { authorization: `Bearer ${secret}` };
}

/** cookieHeader sends a session cookie ("__Host-dd_session=…", as fixtures' signIn returns it). */
export function cookieHeader(cookie: string): RequestHeaders {
  return { cookie };
}

/** unknownSessionCookie is a well-formed session cookie that no sign-in ever issued. */
export function unknownSessionCookie(): RequestHeaders {
  return cookieHeader(`${sessionCookieName(true)}=${randomBytes(32).toString("base64url")}`);
}

/**
 * withBrokenChecksum changes one character of the key's random part and keeps its checksum, as a
 * mistyped or tampered key would be: the server must refuse it (without a database lookup).
 */
export function withBrokenChecksum(secret: string): string {
  const at = secret.indexOf("_", 3) + 1; // first random character, after "dd_live_" / "dd_test_"
  const original = secret[at];
  const replacement = original === "A" ? "B" : "A";
  const broken = secret.slice(0, at) + replacement + secret.slice(at + 1);
  if (isWellFormedApiKey(broken)) throw new Error("fixture: the altered key still passes its checksum");
  return broken;
}

/** operatorActing is who the fixtures act as (what ddctl records). */
function operatorActing(organisationId: string) {
  return { organisationId, actor: "operator" };
}

/** tenantEm is an EntityManager scoped to one organisation, as request code gets one. */
function tenantEm(server: TestServer, organisationId: string): EntityManager {
  return scopeToOrganisation(server.admin.em.fork(), organisationId);
}

/** revokeKey revokes a key at once, as RevokeApiKey does. */
export async function revokeKey(server: TestServer, organisationId: string, keyId: string): Promise<void> {
  await server.app.apiKeys.revoke(tenantEm(server, organisationId), operatorActing(organisationId), keyId);
}

/** rotateKey replaces a key; the old one works for graceSeconds more. Returns the replacement's secret. */
export async function rotateKey(
  server: TestServer,
  organisationId: string,
  keyId: string,
  graceSeconds: number,
): Promise<string> {
  const { secret } = await server.app.apiKeys.rotate(
    tenantEm(server, organisationId),
    operatorActing(organisationId),
    keyId,
    graceSeconds,
  );
  return secret;
}
