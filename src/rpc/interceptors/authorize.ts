/**
 * authorize.ts checks the caller against the method's dd.v1.access rule, so no handler ever checks
 * access by hand. It runs after authenticate: a caller is always present for non-public methods.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { SessionService } from "../../../gen/dd/v1/sessions_pb.js";
import { PermissionDeniedError } from "../../modules/errors.js";
import type { Caller } from "../../modules/identity/caller.js";
import { accessRuleOf, type ResolvedAccessRule } from "../access.js";
import { requireActing, requireCaller } from "../context.js";

/** Denial is one refused call, for the audit trail (aggregated by the recorder). */
export interface Denial {
  organisationId: string;
  actor: string;
  /** The refused method, "dd.v1.MandateService/CreateMandate". */
  target: string;
  /** The ErrorInfo reason, e.g. MISSING_SCOPE. */
  outcome: string;
  clientAddress: string | undefined;
}

/** createAuthorizeInterceptor refuses calls whose caller does not satisfy the method's rule. */
export function createAuthorizeInterceptor({ onDenied }: { onDenied: (denial: Denial) => void }): Interceptor {
  // Not an async function: an allowed call continues without a promise of its own; refusals are
  // returned as rejected promises.
  return (next) => (req) => {
    const rule = accessRuleOf(req.method);
    if (rule === undefined || rule.kind !== "public") {
      // A method without a rule cannot be served (assertAccessRules), but fail closed regardless.
      if (rule === undefined)
        return Promise.reject(new PermissionDeniedError("NO_ACCESS_RULE", "this method is not available"));
      let caller: Caller;
      try {
        caller = requireCaller(req);
        checkRule(rule, caller);
        checkTotpEnrolment(caller, req.method);
      } catch (error) {
        if (error instanceof PermissionDeniedError) {
          const acting = requireActing(req);
          onDenied({
            organisationId: acting.organisationId,
            actor: acting.actor,
            target: `${req.service.typeName}/${req.method.name}`,
            outcome: error.reason,
            clientAddress: acting.clientAddress,
          });
        }
        return Promise.reject(error);
      }
    }
    return next(req);
  };
}

/**
 * What a session that must enrol in TOTP first may call: enrol and confirm, and sign out or read
 * itself (which tells it that it must enrol). Everything else waits for the confirmed factor.
 */
const allowedBeforeTotpEnrolment: ReadonlySet<DescMethod> = new Set([
  SessionService.method.enrollTotp,
  SessionService.method.confirmTotp,
  SessionService.method.signOut,
  SessionService.method.getCurrentSession,
]);

/** checkTotpEnrolment refuses an admin who must enrol in TOTP anything but enrolling (TOTP_ENROLMENT_REQUIRED). */
function checkTotpEnrolment(caller: Caller, method: DescMethod): void {
  const { principal } = caller;
  if (principal.kind === "user" && principal.totpEnrolmentRequired && !allowedBeforeTotpEnrolment.has(method)) {
    throw new PermissionDeniedError(
      "TOTP_ENROLMENT_REQUIRED",
      "the organisation requires admins to use TOTP: enrol (EnrollTotp, ConfirmTotp) before anything else",
    );
  }
}

/** checkRule throws PermissionDeniedError with the reason when the caller does not satisfy the rule. */
export function checkRule(rule: Exclude<ResolvedAccessRule, { kind: "public" }>, caller: Caller): void {
  switch (rule.kind) {
    case "authenticated":
      return;
    case "scope":
      if (!caller.scopes.has(rule.scope)) {
        throw new PermissionDeniedError("MISSING_SCOPE", `this call needs the scope ${rule.scope}`, {
          required_scope: rule.scope,
        });
      }
      return;
    case "session_only": {
      const principal = caller.principal;
      if (principal.kind !== "user") {
        throw new PermissionDeniedError(
          "SESSION_REQUIRED",
          "this call needs a signed-in user; API keys are not accepted",
        );
      }
      if (rule.roles.length > 0 && !rule.roles.includes(principal.role)) {
        throw new PermissionDeniedError("ROLE_REQUIRED", `this call needs the role ${rule.roles.join(" or ")}`, {
          required_roles: rule.roles.join(","),
        });
      }
      return;
    }
  }
}
