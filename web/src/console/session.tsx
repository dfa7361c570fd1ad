/**
 * session.tsx holds who is signed in: the organisation, the user's role and scopes. Pages ask it what
 * the user may do, so controls a role cannot use are not shown (the server refuses them anyway).
 */
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { createContext, useContext } from "react";
import { Role } from "../../../gen/dd/v1/access_pb.js";
import { type Session, SessionService } from "../../../gen/dd/v1/sessions_pb.js";

/** The session query's key without its transport: a filter that matches it (not an exact key). */
export const sessionKey = createConnectQueryKey({
  schema: SessionService.method.getCurrentSession,
  cardinality: "finite",
});

/** Staff is the signed-in user as pages see them. */
export interface Staff {
  session: Session;
  isAdmin: boolean;
  /** may says whether the user's role grants a scope ("mandates:write"). */
  may(scope: string): boolean;
  /** Schedules are session-only writes for admins and members (api-contract.md). */
  mayWriteSchedules: boolean;
}

export function staffOf(session: Session): Staff {
  const role = session.user?.role ?? Role.UNSPECIFIED;
  const scopes = new Set(session.scopes);
  return {
    session,
    isAdmin: role === Role.ADMIN,
    may: (scope) => scopes.has(scope),
    mayWriteSchedules: role === Role.ADMIN || role === Role.MEMBER,
  };
}

export const StaffContext = createContext<Staff | undefined>(undefined);

/** useStaff is the signed-in user; only pages inside the signed-in shell call it. */
export function useStaff(): Staff {
  const staff = useContext(StaffContext);
  if (!staff) throw new Error("useStaff outside the signed-in console");
  return staff;
}

/** roleName is how a role reads on screen: "admin", "member", "viewer". */
export function roleName(role: Role | undefined): string {
  return role === undefined || role === Role.UNSPECIFIED ? "unknown" : Role[role].toLowerCase();
}
