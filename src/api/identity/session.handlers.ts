/**
 * session.handlers.ts serves SessionService. The session token travels only in the Set-Cookie
 * header (HttpOnly, SameSite=Lax, Secure unless turned off for plain-HTTP localhost), never in a body.
 */
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { SessionService } from "../../../gen/dd/v1/sessions_pb.js";
import { InvalidArgumentError } from "../../modules/errors.js";
import { isRoleName, roleScopes } from "../../modules/identity/scopes.js";
import type { SecondFactor } from "../../modules/identity/second-factor.js";
import type { SessionManager, SignedIn } from "../../modules/identity/session.service.js";
import type { User } from "../../modules/identity/user.entity.js";
import { kRequestInfo, requireCaller, requireEntityManager, requireWriter } from "../../rpc/context.js";
import { sessionCookieHeader } from "../../rpc/session-cookie.js";
import { sessionToProto } from "./identity.mapper.js";

function sessionId(ctx: HandlerContext): string {
  const principal = requireCaller(ctx).principal;
  if (principal.kind !== "user") throw new Error("session RPC reached without a session");
  return principal.sessionId;
}

function userId(ctx: HandlerContext): string {
  const principal = requireCaller(ctx).principal;
  if (principal.kind !== "user") throw new Error("session RPC reached without a session");
  return principal.userId;
}

function scopesOf(user: User): readonly string[] {
  return isRoleName(user.role) ? [...roleScopes[user.role]] : [];
}

/** registerSessionService serves SessionService; secureCookie sets the cookie's Secure flag. */
export function registerSessionService(
  router: ConnectRouter,
  sessions: SessionManager,
  secondFactor: SecondFactor,
  secureCookie: boolean,
): void {
  /** issued sets the cookie of a session just opened and returns it as the contract shows it. */
  const issued = (ctx: HandlerContext, signedIn: SignedIn) => {
    ctx.responseHeader.append("set-cookie", sessionCookieHeader(signedIn.token, sessions.ttlSeconds, secureCookie));
    const { session, user, organisation } = signedIn;
    return sessionToProto(session, user, organisation, scopesOf(user));
  };
  /** currentSession is the caller's session as it stands after a change to their user. */
  const currentSession = async (ctx: HandlerContext) => {
    const { session, user, organisation } = await sessions.current(await requireEntityManager(ctx), sessionId(ctx));
    return sessionToProto(session, user, organisation, scopesOf(user));
  };
  router.service(SessionService, {
    async signIn(req, ctx) {
      if (req.email.trim() === "") throw InvalidArgumentError.field("email", "is required");
      if (req.password === "") throw InvalidArgumentError.field("password", "is required");
      const info = ctx.values.get(kRequestInfo);
      const client = { address: info?.clientAddress ?? "unknown", group: info?.clientAddressGroup ?? "unknown" };
      return { session: issued(ctx, await sessions.signIn(req.email, req.password, client, req.totpCode)) };
    },
    async signOut(_req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      await sessions.signOut(em, acting, sessionId(ctx));
      ctx.responseHeader.append("set-cookie", sessionCookieHeader("", 0, secureCookie));
      return {};
    },
    async getCurrentSession(_req, ctx) {
      const { session, user, organisation } = await sessions.current(await requireEntityManager(ctx), sessionId(ctx));
      // Scopes as the caller holds them now (authentication read the role at this call).
      return sessionToProto(session, user, organisation, requireCaller(ctx).scopes);
    },
    async changePassword(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const signedIn = await sessions.changePassword(em, acting, sessionId(ctx), {
        current: req.currentPassword,
        next: req.newPassword,
      });
      return { session: issued(ctx, signedIn) };
    },
    async enrollTotp(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      await sessions.reauthenticate(em, acting, sessionId(ctx), req.currentPassword, "user.totp_enroll");
      return secondFactor.enroll(em, acting, userId(ctx));
    },
    async confirmTotp(req, ctx) {
      if (req.code === "") throw InvalidArgumentError.field("code", "is required");
      const { em, acting } = await requireWriter(ctx);
      await secondFactor.confirm(em, acting, userId(ctx), sessionId(ctx), req.code);
      return { session: await currentSession(ctx) };
    },
    async disableTotp(req, ctx) {
      if (req.code === "") throw InvalidArgumentError.field("code", "is required");
      const { em, acting } = await requireWriter(ctx);
      await secondFactor.disable(em, acting, userId(ctx), req.code);
      return { session: await currentSession(ctx) };
    },
  });
}
