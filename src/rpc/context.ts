/**
 * context.ts declares the context values interceptors hand down the chain, and the guards handlers
 * read them through. A guard that finds nothing throws Internal: it means an interceptor was skipped,
 * which must never pass silently.
 */
import { Code, ConnectError, type ContextValues, createContextKey } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import { type Acting, actingOf } from "../modules/identity/acting.js";
import type { Caller } from "../modules/identity/caller.js";

/** Transport is how the request reached us; REST requests are transcoded in process. */
export type Transport = "connect" | "grpc" | "grpc-web" | "rest";

/** RequestInfo is set by the server before any interceptor runs. */
export interface RequestInfo {
  /** Correlates the response header x-request-id, log lines and error messages. */
  requestId: string;
  /**
   * The client's address, decided once in server.ts by rpc/client-address.ts: the TCP peer, or what
   * trusted proxies (TRUSTED_PROXIES) say in X-Forwarded-For. Recorded in audit events and sessions.
   */
  clientAddress: string;
  /** What per-address limits count: clientAddress for IPv4, its /64 for IPv6. */
  clientAddressGroup: string;
  /** Set only for REST; the others are told apart by content type. */
  transport: Transport | undefined;
  /** Set by the errors interceptor: the request reached an RPC and was logged there. */
  reachedRpc?: boolean;
}

export const kRequestInfo = createContextKey<RequestInfo | undefined>(undefined, {
  description: "request id, client address, transport",
});
/**
 * kAnswerHeaders holds headers for the call's answer, a success or an error (the rate limit's).
 * Errors become answers only in the outermost interceptor, so an inner one leaves its headers here
 * and the errors interceptor puts them on whatever answer leaves.
 */
export const kAnswerHeaders = createContextKey<Readonly<Record<string, string>> | undefined>(undefined, {
  description: "headers for the answer, success or error",
});
export const kCaller = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });
/**
 * kEntityManager holds a function that returns the request's EntityManager, forked (and, for an
 * authenticated caller, its transaction begun) on first use: calls that never touch the database
 * (health, refusals) pay for neither.
 */
export const kEntityManager = createContextKey<(() => Promise<EntityManager>) | undefined>(undefined, {
  description: "request-scoped EntityManager with the tenant filter set",
});

/**
 * kBeforeCommit holds work an outer interceptor needs done in the call's own transaction, after the
 * handler answered and before it commits: idempotency stores the answer there, so the write and its
 * record commit together or not at all. It sees the answer; throwing rolls the call back.
 */
export const kBeforeCommit = createContextKey<
  ((em: EntityManager, res: { message: unknown; header: Headers; trailer: Headers }) => Promise<void>) | undefined
>(undefined, { description: "work in the call's transaction before it commits" });

/** Where context values are read from: a handler's context or an interceptor's request. */
type HasContextValues = { values: ContextValues } | { contextValues: ContextValues };

function valuesOf(source: HasContextValues): ContextValues {
  return "values" in source ? source.values : source.contextValues;
}

/** requireCaller returns the authenticated caller or throws Internal if authenticate did not run. */
export function requireCaller(ctx: HasContextValues): Caller {
  const caller = valuesOf(ctx).get(kCaller);
  if (!caller) throw new ConnectError("no caller in context", Code.Internal);
  return caller;
}

/** requireActing returns who acts in this request: the authenticated caller, from the client's address. */
export function requireActing(ctx: HasContextValues): Acting {
  return actingOf(requireCaller(ctx), valuesOf(ctx).get(kRequestInfo)?.clientAddress);
}

/**
 * requireWriter returns what a service's change takes first: the request's tenant-scoped
 * EntityManager and who acts.
 */
export async function requireWriter(ctx: HasContextValues): Promise<{ em: EntityManager; acting: Acting }> {
  return { em: await requireEntityManager(ctx), acting: requireActing(ctx) };
}

/**
 * requireEntityManager returns the request's EntityManager: for an authenticated caller, scoped to
 * its organisation and inside the request's transaction; for a public call, with no tenant at all.
 */
export function requireEntityManager(ctx: HasContextValues): Promise<EntityManager> {
  const em = valuesOf(ctx).get(kEntityManager);
  if (!em) throw new ConnectError("no EntityManager in context", Code.Internal);
  return em();
}
