/**
 * authenticate.ts establishes the caller. A present Authorization header alone decides (it must be
 * "Bearer <api key>"); otherwise the session cookie; neither → UNAUTHENTICATED with
 * WWW-Authenticate: Bearer. Public methods skip it. Every failing credential gets the same answer, so
 * a caller cannot tell an unknown key from a revoked one.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Caller } from "../../modules/identity/caller.js";
import { accessRuleOf } from "../access.js";
import { kCaller } from "../context.js";

/** CredentialVerifier turns a presented secret into a caller, or undefined when it is not valid. */
export interface CredentialVerifier {
  verifyApiKey(secret: string): Promise<Caller | undefined>;
  /** origin is the request's Origin header (CSRF check for cookie-authenticated calls). */
  verifySession(token: string, origin: string | null): Promise<Caller | undefined>;
}

/** Name of the session cookie. */
export const sessionCookieName = "dd_session";

const challenge = { "www-authenticate": 'Bearer realm="dd"' };

function unauthenticated(message: string): ConnectError {
  return new ConnectError(message, Code.Unauthenticated, challenge);
}

/** createAuthenticateInterceptor sets kCaller for every non-public method, or refuses the call. */
export function createAuthenticateInterceptor({ verifier }: { verifier: CredentialVerifier }): Interceptor {
  return (next) => async (req) => {
    if (accessRuleOf(req.method)?.kind === "public") return next(req);
    const authorization = req.header.get("authorization");
    let caller: Caller | undefined;
    if (authorization !== null) {
      const match = /^Bearer +(\S+) *$/i.exec(authorization);
      if (!match?.[1]) throw unauthenticated("the Authorization header must be: Bearer <api key>");
      caller = await verifier.verifyApiKey(match[1]);
      if (!caller) throw unauthenticated("invalid API key");
    } else {
      const token = cookieValue(req.header.get("cookie"), sessionCookieName);
      if (token === undefined) throw unauthenticated("credentials required: send Authorization: Bearer <api key> or sign in");
      caller = await verifier.verifySession(token, req.header.get("origin"));
      if (!caller) throw unauthenticated("session expired or invalid: sign in again");
    }
    req.contextValues.set(kCaller, caller);
    return next(req);
  };
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
