/**
 * contract-rpcs.ts lists every RPC of the public contract with its access rule and first REST route,
 * read from the service descriptors the server registers (ddServices). The security suite generates
 * its cases from this list, so an RPC added to the contract joins every case without anyone
 * remembering to add it.
 */
import type { DescMethod, DescMethodUnary } from "@bufbuild/protobuf";
import { ddServices } from "../../../src/routes.js";
import { accessRuleOf, type ResolvedAccessRule } from "../../../src/rpc/access.js";
import { httpBindings, type RouteBinding } from "../../../src/rpc/rest/index.js";

/** ContractRpc is one RPC as the suite calls it. */
export interface ContractRpc {
  /** "CreateMandate": what test titles show. */
  name: string;
  /** "dd.v1.MandateService/CreateMandate": unambiguous, for failure messages. */
  path: string;
  method: DescMethodUnary;
  rule: ResolvedAccessRule;
  /** The first google.api.http binding: the route REST callers are documented to use. */
  route: RouteBinding;
}

/** contractRpcs is every RPC of every dd.v1 service, in contract order. */
export const contractRpcs: readonly ContractRpc[] = ddServices.flatMap((service) => service.methods.map(toContractRpc));

/** rpcsWithRule picks the RPCs whose access rule is of one kind, typed by that kind. */
export function rpcsWithRule<K extends ResolvedAccessRule["kind"]>(
  kind: K,
): (ContractRpc & { rule: Extract<ResolvedAccessRule, { kind: K }> })[] {
  return contractRpcs.filter(
    (rpc): rpc is ContractRpc & { rule: Extract<ResolvedAccessRule, { kind: K }> } => rpc.rule.kind === kind,
  );
}

/** rpcsNeedingCredentials is every RPC except the public ones. */
export const rpcsNeedingCredentials: readonly ContractRpc[] = contractRpcs.filter((rpc) => rpc.rule.kind !== "public");

// Fail loudly rather than skip: an RPC the suite cannot call would silently escape every case.
function toContractRpc(method: DescMethod): ContractRpc {
  const path = `${method.parent.typeName}/${method.name}`;
  const rule = accessRuleOf(method);
  if (rule === undefined) throw new Error(`${path} has no dd.v1.access rule`);
  if (method.methodKind !== "unary") {
    throw new Error(`${path} is ${method.methodKind}: teach test/security/support/rpc-caller.ts to call it`);
  }
  const route = httpBindings(method)[0];
  if (route === undefined) throw new Error(`${path} has no google.api.http route`);
  return { name: method.name, path, method: method as DescMethodUnary, rule, route };
}
