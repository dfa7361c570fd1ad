/**
 * authenticate.ts establishes the caller. A present Authorization header alone decides (it must be
 * "Bearer <api key>"); otherwise the session cookie; neither → UNAUTHENTICATED with
 * WWW-Authenticate: Bearer. Public methods skip it. Every failing credential gets the same answer, so
 * a caller cannot tell an unknown key from a revoked one.
 *
 * Each failed credential (a malformed, unknown, revoked or expired key; a bad session cookie) costs
 * the client's address a token of its failure budget (address-limiter.ts). Past it the address is
 * answered RESOURCE_EXHAUSTED, and keys or cookies this replica has not already verified are refused
 * before any lookup: a flood of well-formed made-up keys (the checksum is public) costs no query.
 * Missing credentials cost nothing: they cost us nothing either.
 */
import type { Interceptor, StreamRequest, UnaryRequest } from "@connectrpc/connect";
import { CredentialsRequiredError } from "../../modules/errors.js";
import type { Caller } from "../../modules/identity/caller.js";
import { accessRuleOf } from "../access.js";
import type { AddressLimiter } from "../address-limiter.js";
import { kAnswerHeaders, kCaller, kRequestInfo } from "../context.js";

type UnaryOrStreamRequest = UnaryRequest | StreamRequest;

/** CredentialVerifier turns a presented secret into a caller, or undefined when it is not valid. */
export interface CredentialVerifier {
  /** A cached answer may come synchronously. With mayLookUp false, only what is cached can verify. */
  verifyApiKey(secret: string, mayLookUp?: boolean): Caller | undefined | Promise<Caller | undefined>;
  /** origin is the request's Origin header (CSRF check for cookie-authenticated calls). */
  verifySession(token: string, origin: string | null, mayLookUp?: boolean): Promise<Caller | undefined>;
}

export interface AuthenticateInterceptorOptions {
  verifier: CredentialVerifier;
  /** Charges failures to the client's address; unset (benchmarks of the bare chain), nothing is charged. */
  addresses?: AddressLimiter | undefined;
  /** The session cookie's name (session-cookie.ts); a cookie of any other name is not read. */
  sessionCookieName: string;
}

/** createAuthenticateInterceptor sets kCaller for every non-public method, or refuses the call. */
export function createAuthenticateInterceptor({
  verifier,
  addresses,
  sessionCookieName,
}: AuthenticateInterceptorOptions): Interceptor {
  // Not an async function, and no closure per request (tsx names each one with a defineProperty):
  // a cached API key continues synchronously, without a promise of its own.
  return (next) => (req) => {
    if (accessRuleOf(req.method)?.kind === "public") return next(req);
    try {
      const group = req.contextValues.get(kRequestInfo)?.clientAddressGroup ?? "unknown";
      const mayLookUp = addresses === undefined || !addresses.isSpent(group);
      const authorization = req.header.get("authorization");
      if (authorization !== null) {
        const match = /^Bearer +(\S+) *$/i.exec(authorization);
        if (!match?.[1]) return refuse(addresses, req, group, "the Authorization header must be: Bearer <api key>");
        const verified = verifier.verifyApiKey(match[1], mayLookUp);
        if (!(verified instanceof Promise)) return admit(next, req, verified, addresses, group, "invalid API key");
        return verified.then((caller) => admit(next, req, caller, addresses, group, "invalid API key"));
      }
      const token = cookieValue(req.header.get("cookie"), sessionCookieName);
      if (token === undefined)
        throw new CredentialsRequiredError("credentials required: send Authorization: Bearer <api key> or sign in");
      return verifier
        .verifySession(token, crossOrigin(req.header), mayLookUp)
        .then((caller) => admit(next, req, caller, addresses, group, "session expired or invalid: sign in again"));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * crossOrigin is the request's Origin for the CSRF check, or null for a page of this service (the
 * console and the payer page are served from this port). The browser says so itself: its
 * Sec-Fetch-Site is "same-origin" only when scheme, host and port all match the page's, and no page
 * can set or forge it. A browser that sends no Sec-Fetch-Site meets the list (CORS_ORIGINS and
 * PUBLIC_BASE_URL's origin), as does every other site.
 */
function crossOrigin(header: Headers): string | null {
  return header.get("sec-fetch-site") === "same-origin" ? null : header.get("origin");
}

/** admit records the caller and continues, or refuses the call (charging the failure) when there is none. */
function admit<T>(
  next: (req: UnaryOrStreamRequest) => T,
  req: UnaryOrStreamRequest,
  caller: Caller | undefined,
  addresses: AddressLimiter | undefined,
  group: string,
  refusal: string,
): T | Promise<never> {
  if (!caller) return refuse(addresses, req, group, refusal);
  req.contextValues.set(kCaller, caller);
  return next(req);
}

/**
 * refuse charges a failed authentication to the client's address and rejects the call:
 * UNAUTHENTICATED, or RESOURCE_EXHAUSTED (with the limit's headers) once the address's budget is spent.
 */
async function refuse(
  addresses: AddressLimiter | undefined,
  req: UnaryOrStreamRequest,
  group: string,
  refusal: string,
): Promise<never> {
  const limited = await addresses?.failed(group);
  if (limited) {
    req.contextValues.set(kAnswerHeaders, limited.headers);
    throw limited.error;
  }
  throw new CredentialsRequiredError(refusal);
}

/** cookieValue returns the named cookie from a Cookie header, or undefined. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}
