/**
 * session.handlers.ts serves SessionService. The session token travels only in the Set-Cookie
 * header (HttpOnly, SameSite=Lax, Secure unless turned off for plain-HTTP localhost), never in a body.
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { SessionService } from "../../../gen/dd/v1/sessions_pb.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import { isRoleName, roleScopes } from "../../modules/identity/scopes.js";
import type { SessionManager } from "../../modules/identity/session.service.js";
import { kRequestInfo, requireActing, requireCaller, requireEntityManager } from "../../rpc/context.js";
import { sessionCookieHeader } from "../../rpc/session-cookie.js";
import { sessionToProto } from "./identity.mapper.js";

function sessionId(ctx: HandlerContext): string {
  const principal = requireCaller(ctx).principal;
  if (principal.kind !== "user") throw new Error("session RPC reached without a session");
  return principal.sessionId;
}

/** registerSessionService serves SessionService; secureCookie sets the cookie's Secure flag. */
export function registerSessionService(router: ConnectRouter, sessions: SessionManager, secureCookie: boolean): void {
  router.service(SessionService, {
    async signIn(req, ctx) {
      if (req.email.trim() === "") throw InvalidArgumentError.field("email", "is required");
      if (req.password === "") throw InvalidArgumentError.field("password", "is required");
      const info = ctx.values.get(kRequestInfo);
      const client = { address: info?.clientAddress ?? "unknown", group: info?.clientAddressGroup ?? "unknown" };
      const signedIn = await sessions.signIn(req.email, req.password, client);
      ctx.responseHeader.append("set-cookie", sessionCookieHeader(signedIn.token, sessions.ttlSeconds, secureCookie));
      const role = signedIn.user.role;
      const scopes = isRoleName(role) ? roleScopes[role] : [];
      return { session: sessionToProto(signedIn.session, signedIn.user, signedIn.organisation, scopes) };
    },
    async signOut(_req, ctx) {
      await sessions.signOut(await requireEntityManager(ctx), requireActing(ctx), sessionId(ctx));
      ctx.responseHeader.append("set-cookie", sessionCookieHeader("", 0, secureCookie));
      return {};
    },
    async getCurrentSession(_req, ctx) {
      const { session, user, organisation } = await sessions.current(await requireEntityManager(ctx), sessionId(ctx));
      return sessionToProto(session, user, organisation, requireCaller(ctx).scopes);
    },
  });
}
