/**
 * link-token.ts makes the single-use token a link carries (a payer's invite, a new user's welcome):
 * 32 random bytes, base64url (43 characters). Only its SHA-256 is stored: the token is as random as a
 * key, so a slow hash buys nothing, and a database leak does not hand out working links. The token
 * itself goes only into the email, never into a log.
 */
import { createHash, randomBytes } from "node:crypto";

const tokenShape = /^[A-Za-z0-9_-]{43}$/;

/** newLinkToken returns a fresh token and the digest to store. */
export function newLinkToken(): { token: string; digest: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, digest: linkTokenDigest(token) };
}

/** linkTokenDigest is the stored form of a token: SHA-256, hex. */
export function linkTokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** looksLikeLinkToken rejects malformed tokens before any work or query. */
export function looksLikeLinkToken(token: string): boolean {
  return tokenShape.test(token);
}
