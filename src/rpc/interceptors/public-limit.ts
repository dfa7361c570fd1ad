/**
 * public-limit.ts limits calls of public RPCs (dd.v1.access public: SignIn, CompleteMandateInvite)
 * per client address, before the handler runs: they have no caller whose limit could count them,
 * and each may cost a password hash or a token lookup. Infrastructure services (health, reflection)
 * are public too but reveal nothing and must answer load balancers, so they are not counted.
 */
import type { Interceptor } from "@connectrpc/connect";
import { accessRuleOf, isInfrastructureService } from "../access.js";
import type { AddressLimiter } from "../address-limiter.js";
import { kAnswerHeaders, kRequestInfo } from "../context.js";

/** createPublicLimitInterceptor charges each public call to its client address; over the limit, 429. */
export function createPublicLimitInterceptor({ addresses }: { addresses: AddressLimiter }): Interceptor {
  return (next) => async (req) => {
    if (accessRuleOf(req.method)?.kind !== "public" || isInfrastructureService(req.service.typeName)) return next(req);
    const group = req.contextValues.get(kRequestInfo)?.clientAddressGroup ?? "unknown";
    const { headers, error } = await addresses.publicCall(group);
    // Left for the errors interceptor, which puts them on the answer whether the call succeeds or fails.
    req.contextValues.set(kAnswerHeaders, headers);
    if (error) throw error;
    return next(req);
  };
}
