/**
 * acting.ts says who does a change, in the terms the audit trail and the "by" fields of rows
 * (created_by, acknowledged_by…) record it: a request's caller, the payer, a background job or the
 * operator at ddctl.
 */
import { actorOf } from "./audit-log.js";
import type { Caller } from "./caller.js";

/** Acting is who does a change, and from where. */
export interface Acting {
  /** The organisation the change happens in. */
  organisationId: string;
  /** The audit actor: `key:AK…`, `user:US…`, `payer`, `system` (or `system:<job>`), `operator` (ddctl). */
  actor: string;
  /** The acting key's or user's id (`AK…`, `US…`), as alerts and thresholds show it; absent for the others. */
  actorId?: string | undefined;
  /** The organisation is a sandbox (dd_test_ keys), the only kind that may run the simulators. */
  sandbox?: boolean | undefined;
  /** The client's address, when a request does the change. */
  clientAddress?: string | undefined;
}

/** actingOf is the Acting of an authenticated caller whose request came from `clientAddress`. */
export function actingOf(caller: Caller, clientAddress: string | undefined): Acting {
  const { principal } = caller;
  return {
    organisationId: caller.organisationId,
    actor: actorOf(principal),
    actorId: principal.kind === "api_key" ? principal.apiKeyId : principal.userId,
    sandbox: caller.sandbox,
    clientAddress,
  };
}
