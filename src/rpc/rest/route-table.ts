/**
 * route-table.ts builds the REST routes from the google.api.http option of each method and finds
 * the route of a request. Everything that can be checked is checked when the table is built
 * (template syntax, fields named by variables and bodies, clashing routes), so a bad annotation
 * stops the server at start-up rather than surfacing as a request failure.
 */
import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "../../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/google/api/http_pb.js";
import {
  comparePathTemplates,
  isWellEncodedPath,
  matchPathTemplate,
  type PathTemplate,
  parsePathTemplate,
  splitRequestPath,
} from "./path-template.js";
import { createRequestMapping, InvalidRequestError, type RequestMapping } from "./request-mapping.js";

/** RestRoute is one HTTP binding of one RPC. */
export interface RestRoute {
  /** The HTTP method, upper case ("GET", "POST", … or a custom kind). */
  readonly verb: string;
  readonly template: PathTemplate;
  readonly method: DescMethod;
  readonly mapping: RequestMapping;
}

/** RouteBinding is a route before parsing: a verb, a path template and the HttpRule body. */
export interface RouteBinding {
  readonly verb: string;
  readonly path: string;
  /** "" (no body), "*" (the whole request) or a top-level field name. */
  readonly body: string;
}

/** RouteMatch is the outcome of looking a request up. */
export type RouteMatch =
  | { readonly kind: "found"; readonly route: RestRoute; readonly pathValues: ReadonlyMap<string, string> }
  /** The path exists, but not for this HTTP method; `allow` lists the methods that exist. */
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

/** RouteTable holds the routes, most specific first. */
export interface RouteTable {
  readonly routes: readonly RestRoute[];
  /**
   * match finds the most specific route whose template matches the path and whose verb is the
   * request's. It throws InvalidRequestError for a path with malformed percent-encoding.
   */
  match(verb: string, path: string): RouteMatch;
}

/**
 * httpBindings lists the HTTP bindings a method declares in its google.api.http option: the rule
 * itself and its additional_bindings. A method without the option has none.
 */
export function httpBindings(method: DescMethod): RouteBinding[] {
  if (!hasOption(method, http)) return [];
  const rule = getOption(method, http);
  const where = `${method.parent.typeName}.${method.name}`;
  const bindings = [rule, ...rule.additionalBindings].map((r) => bindingOf(r, where));
  if (rule.additionalBindings.some((r) => r.additionalBindings.length > 0)) {
    throw new Error(`${where}: additional_bindings must not nest`);
  }
  return bindings;
}

function bindingOf(rule: HttpRule, where: string): RouteBinding {
  // response_body would need the response re-shaped; nothing in our contract uses it, so refuse it
  // loudly rather than answer with a different shape than the annotation promises.
  if (rule.responseBody !== "") throw new Error(`${where}: response_body is not supported`);
  const p = rule.pattern;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return { verb: p.case.toUpperCase(), path: p.value, body: rule.body };
    case "custom":
      return { verb: p.value.kind.toUpperCase(), path: p.value.path, body: rule.body };
    default:
      throw new Error(`${where}: google.api.http has no pattern`);
  }
}

/**
 * createRouteTable builds the table from the methods' google.api.http options plus `extra`
 * bindings for methods that carry none (for example GET /healthz onto grpc.health.v1.Health/Check).
 * It throws on a malformed or clashing binding, or one on a streaming method.
 */
export function createRouteTable(
  methods: Iterable<DescMethod>,
  extra: readonly { binding: RouteBinding; method: DescMethod }[] = [],
): RouteTable {
  const all: { binding: RouteBinding; method: DescMethod }[] = [];
  for (const method of methods) {
    for (const binding of httpBindings(method)) all.push({ binding, method });
  }
  all.push(...extra);

  const seen = new Map<string, DescMethod>();
  const routes: RestRoute[] = all.map(({ binding, method }) => {
    const where = `${method.parent.typeName}.${method.name}`;
    if (method.methodKind !== "unary") throw new Error(`${where}: only unary methods can have REST routes`);
    const template = parsePathTemplate(binding.path);
    const key = `${binding.verb} ${shapeOf(template)}`;
    const other = seen.get(key);
    if (other) {
      throw new Error(
        `${where}: route ${binding.verb} ${binding.path} clashes with ${other.parent.typeName}.${other.name}`,
      );
    }
    seen.set(key, method);
    const mapping = createRequestMapping(
      method.input,
      template.variables.map((v) => v.fieldPath.join(".")),
      binding.body,
    );
    return { verb: binding.verb, template, method, mapping };
  });
  routes.sort((a, b) => comparePathTemplates(a.template, b.template));

  return {
    routes,
    match(verb, path) {
      if (!isWellEncodedPath(path)) throw new InvalidRequestError("the URL path has malformed percent-encoding");
      const split = splitRequestPath(path);
      const allow = new Set<string>();
      for (const route of routes) {
        const pathValues = matchPathTemplate(route.template, split);
        if (!pathValues) continue;
        if (route.verb === verb) return { kind: "found", route, pathValues };
        allow.add(route.verb);
      }
      return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow] } : { kind: "not-found" };
    },
  };
}

/** shapeOf identifies the paths a template matches, ignoring variable names: equal shapes clash. */
function shapeOf(t: PathTemplate): string {
  const segs = t.segments.map((s) =>
    s.kind === "literal" ? encodeURIComponent(s.value) : s.kind === "single" ? "*" : "**",
  );
  return `/${segs.join("/")}${t.verb !== undefined ? `:${t.verb}` : ""}`;
}
