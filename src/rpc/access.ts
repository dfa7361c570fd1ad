/**
 * access.ts reads each RPC's dd.v1.access rule from the contract and checks, at start-up, that every
 * served RPC has one: an RPC without a rule is a hole, so the server refuses to start (secure by
 * default). Rules are resolved once per method and cached; interceptors only look them up.
 */
import { type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import { access, Role, ScopeSchema, scope_name } from "../../gen/dd/v1/access_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { Health } from "../../gen/health/v1/health_pb.js";

export type RoleName = "admin" | "member" | "viewer";

/** ResolvedAccessRule is a method's dd.v1.access option in the form interceptors use. */
export type ResolvedAccessRule =
  | { kind: "scope"; scope: string }
  | { kind: "session_only"; roles: readonly RoleName[] }
  | { kind: "public" }
  | { kind: "authenticated" };

/**
 * Infrastructure services come from third-party protos that cannot carry our option. They reveal no
 * organisation's data, and load balancers and grpcurl must reach them without credentials.
 */
const infrastructureServices: ReadonlySet<string> = new Set([Health.typeName, ServerReflection.typeName]);

const roleNames: Record<Role, RoleName | undefined> = {
  [Role.UNSPECIFIED]: undefined,
  [Role.ADMIN]: "admin",
  [Role.MEMBER]: "member",
  [Role.VIEWER]: "viewer",
};

/** The six scope names, read from the contract's Scope enum. */
export const allScopes: readonly string[] = ScopeSchema.values
  .map((value) => getOption(value, scope_name))
  .filter((name) => name !== "");

/** MissingAccessRuleError lists every served RPC without a rule. */
export class MissingAccessRuleError extends Error {
  constructor(readonly methods: string[]) {
    super(`refusing to start: RPCs without a dd.v1.access rule: ${methods.join(", ")}`);
    this.name = "MissingAccessRuleError";
  }
}

/** isInfrastructureService says whether a service is health or reflection (public, not ours). */
export function isInfrastructureService(typeName: string): boolean {
  return infrastructureServices.has(typeName);
}

const cache = new WeakMap<DescMethod, ResolvedAccessRule>();

/** accessRuleOf returns the method's rule, or undefined when it has none. */
export function accessRuleOf(method: DescMethod): ResolvedAccessRule | undefined {
  const cached = cache.get(method);
  if (cached) return cached;
  const resolved = resolve(method);
  if (resolved) cache.set(method, resolved);
  return resolved;
}

function resolve(method: DescMethod): ResolvedAccessRule | undefined {
  if (infrastructureServices.has(method.parent.typeName)) return { kind: "public" };
  if (!hasOption(method, access)) return undefined;
  const rule = getOption(method, access).rule;
  switch (rule.case) {
    case "scope": {
      const value = ScopeSchema.value[rule.value];
      const scope = value ? getOption(value, scope_name) : "";
      return scope === "" ? undefined : { kind: "scope", scope };
    }
    case "sessionOnly":
      return {
        kind: "session_only",
        roles: rule.value.roles.map((role) => roleNames[role]).filter((role): role is RoleName => role !== undefined),
      };
    case "public":
      return rule.value ? { kind: "public" } : undefined;
    case "authenticated":
      return rule.value ? { kind: "authenticated" } : undefined;
    default:
      return undefined;
  }
}

/** assertAccessRules throws MissingAccessRuleError unless every method of every service has a rule. */
export function assertAccessRules(services: readonly DescService[]): void {
  const missing = services.flatMap((service) =>
    service.methods
      .filter((method) => accessRuleOf(method) === undefined)
      .map((method) => `${service.typeName}.${method.name}`),
  );
  if (missing.length > 0) throw new MissingAccessRuleError(missing);
}
