/**
 * authenticate.ts establishes the caller. A present Authorization header alone decides (it must be
 * "Bearer <api key>"); otherwise the session cookie; neither → UNAUTHENTICATED with
 * WWW-Authenticate: Bearer. Public methods skip it. Every failing credential gets the same answer, so
 * a caller cannot tell an unknown key from a revoked one.
 */
import type { Interceptor, StreamRequest, UnaryRequest } from "@connectrpc/connect";
import { CredentialsRequiredError } from "../../modules/errors.js";
import type { Caller } from "../../modules/identity/caller.js";
import { accessRuleOf } from "../access.js";
import { kCaller } from "../context.js";

type UnaryOrStreamRequest = UnaryRequest | StreamRequest;

/** CredentialVerifier turns a presented secret into a caller, or undefined when it is not valid. */
export interface CredentialVerifier {
  /** A cached answer may come synchronously. */
  verifyApiKey(secret: string): Caller | undefined | Promise<Caller | undefined>;
  /** origin is the request's Origin header (CSRF check for cookie-authenticated calls). */
  verifySession(token: string, origin: string | null): Promise<Caller | undefined>;
}

/** Name of the session cookie. */
export const sessionCookieName = "dd_session";

/** createAuthenticateInterceptor sets kCaller for every non-public method, or refuses the call. */
export function createAuthenticateInterceptor({ verifier }: { verifier: CredentialVerifier }): Interceptor {
  // Not an async function, and no closure per request (tsx names each one with a defineProperty):
  // a cached API key continues synchronously, without a promise of its own.
  return (next) => (req) => {
    if (accessRuleOf(req.method)?.kind === "public") return next(req);
    try {
      const authorization = req.header.get("authorization");
      if (authorization !== null) {
        const match = /^Bearer +(\S+) *$/i.exec(authorization);
        if (!match?.[1]) throw new CredentialsRequiredError("the Authorization header must be: Bearer <api key>");
        const verified = verifier.verifyApiKey(match[1]);
        if (!(verified instanceof Promise)) return admit(next, req, verified, "invalid API key");
        return verified.then((caller) => admit(next, req, caller, "invalid API key"));
      }
      const token = cookieValue(req.header.get("cookie"), sessionCookieName);
      if (token === undefined)
        throw new CredentialsRequiredError("credentials required: send Authorization: Bearer <api key> or sign in");
      return verifier
        .verifySession(token, req.header.get("origin"))
        .then((caller) => admit(next, req, caller, "session expired or invalid: sign in again"));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** admit records the caller and continues, or refuses the call when there is none. */
function admit<T>(
  next: (req: UnaryOrStreamRequest) => T,
  req: UnaryOrStreamRequest,
  caller: Caller | undefined,
  refusal: string,
): T {
  if (!caller) throw new CredentialsRequiredError(refusal);
  req.contextValues.set(kCaller, caller);
  return next(req);
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
