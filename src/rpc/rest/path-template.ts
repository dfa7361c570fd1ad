/**
 * path-template.ts parses google.api.http path templates and matches request paths against them.
 *
 * Grammar (google/api/http.proto):
 *   Template  = "/" Segments [ ":" Verb ]
 *   Segments  = Segment { "/" Segment }
 *   Segment   = "*" | "**" | LITERAL | Variable
 *   Variable  = "{" FieldPath [ "=" Segments ] "}"
 *
 * The custom verb is whatever follows the last literal ':' of the path's last segment. A template
 * with verb V matches only paths ending in ":V", a template without a verb only paths without one;
 * a ':' inside an id must therefore be sent percent-encoded (%3A), which is what the spec asks of
 * clients anyway. This keeps `{mandate_id}` from swallowing ":cancel", and makes
 * `GET /v1/mandates/MD1:cancel` a 405 (the path is CancelMandate's) rather than a lookup of an id
 * "MD1:cancel".
 */

/** PathSegment is one segment of a parsed template. */
export type PathSegment =
  | { readonly kind: "literal"; readonly value: string }
  /** `*`: exactly one non-empty segment. */
  | { readonly kind: "single" }
  /** `**`: zero or more segments; only ever the last segment. */
  | { readonly kind: "multi" };

/** TemplateVariable binds the path segments [start, end) of a template to a (dotted) request field. */
export interface TemplateVariable {
  /** The field path, for example ["mandate", "id"] for `{mandate.id}`. */
  readonly fieldPath: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** PathTemplate is a parsed google.api.http path template. */
export interface PathTemplate {
  /** The template as written in the proto, for messages. */
  readonly source: string;
  readonly segments: readonly PathSegment[];
  readonly variables: readonly TemplateVariable[];
  /** The custom verb without its ':' (for example "cancel"), or undefined. */
  readonly verb: string | undefined;
}

/** SplitPath is a request path cut into raw (still percent-encoded) segments and its verb. */
export interface SplitPath {
  readonly segments: readonly string[];
  readonly verb: string | undefined;
}

const fieldPathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * parsePathTemplate parses a google.api.http path template. It throws on a malformed template so
 * that a bad annotation stops the server at start-up instead of failing requests later.
 */
export function parsePathTemplate(template: string): PathTemplate {
  const fail = (why: string): never => {
    throw new Error(`invalid path template "${template}": ${why}`);
  };
  if (!template.startsWith("/")) fail("must start with '/'");

  // Split into top-level pieces on '/' and find the verb: both only outside braces.
  const pieces: string[] = [];
  let verb: string | undefined;
  let depth = 0;
  let current = "";
  for (let i = 1; i < template.length; i++) {
    const c = template.charAt(i);
    if (c === "{") depth++;
    if (c === "}") depth--;
    if (depth < 0 || depth > 1) fail("unbalanced or nested braces");
    if (depth === 0 && c === ":") {
      verb = template.slice(i + 1);
      if (!/^[^/{}:*]+$/.test(verb)) fail("the verb must be a non-empty literal at the end");
      break;
    }
    if (depth === 0 && c === "/") {
      pieces.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  if (depth !== 0) fail("unbalanced braces");
  pieces.push(current);

  const segments: PathSegment[] = [];
  const variables: TemplateVariable[] = [];
  const parseSegment = (text: string): PathSegment => {
    if (text === "*") return { kind: "single" };
    if (text === "**") return { kind: "multi" };
    if (text === "" || /[{}*=]/.test(text)) fail(`bad segment "${text}"`);
    try {
      return { kind: "literal", value: decodeURIComponent(text) };
    } catch {
      return fail(`bad percent-encoding in "${text}"`);
    }
  };
  for (const piece of pieces) {
    if (!piece.startsWith("{")) {
      segments.push(parseSegment(piece));
      continue;
    }
    if (!piece.endsWith("}")) fail(`bad variable "${piece}"`);
    const inner = piece.slice(1, -1);
    const eq = inner.indexOf("=");
    const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
    if (!fieldPathPattern.test(fieldPath)) fail(`bad field path "${fieldPath}"`);
    if (variables.some((v) => v.fieldPath.join(".") === fieldPath)) fail(`"${fieldPath}" is bound twice`);
    const start = segments.length;
    const sub = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
    for (const s of sub) segments.push(parseSegment(s));
    variables.push({ fieldPath: fieldPath.split("."), start, end: segments.length });
  }
  if (segments.slice(0, -1).some((s) => s.kind === "multi")) fail("'**' must be the last segment");
  return { source: template, segments, variables, verb };
}

/**
 * splitRequestPath cuts a request path (no query string) into raw segments and its custom verb.
 * Done once per request and shared by every template tried.
 */
export function splitRequestPath(path: string): SplitPath {
  const segments = path.replace(/^\//, "").split("/");
  const last = segments[segments.length - 1] ?? "";
  const colon = last.lastIndexOf(":");
  if (colon < 0) return { segments, verb: undefined };
  segments[segments.length - 1] = last.slice(0, colon);
  return { segments, verb: last.slice(colon + 1) };
}

/**
 * matchPathTemplate matches a split request path against a template. It answers the variables'
 * values keyed by dotted field path (percent-decoded; in multi-segment variables "%2F" stays
 * encoded, as the spec says), or undefined when the path does not match. The path must be valid
 * percent-encoding (check with isWellEncodedPath first); segments are compared decoded.
 */
export function matchPathTemplate(template: PathTemplate, path: SplitPath): Map<string, string> | undefined {
  if (template.verb !== path.verb) return undefined;
  const segs = path.segments;
  const last = template.segments[template.segments.length - 1];
  const endsMulti = last?.kind === "multi";
  const fixed = endsMulti ? template.segments.length - 1 : template.segments.length;
  if (endsMulti ? segs.length < fixed : segs.length !== fixed) return undefined;
  for (let i = 0; i < fixed; i++) {
    const t = template.segments[i]!;
    const s = segs[i]!;
    if (t.kind === "literal" ? decodeURIComponent(s) !== t.value : s === "") return undefined;
  }
  const values = new Map<string, string>();
  for (const v of template.variables) {
    const end = v.end === template.segments.length && endsMulti ? segs.length : v.end;
    const multi = v.end - v.start > 1 || template.segments[v.start]?.kind === "multi";
    const raw = segs.slice(v.start, end).join("/");
    values.set(v.fieldPath.join("."), multi ? decodeKeepingSlashes(raw) : decodeURIComponent(raw));
  }
  return values;
}

/** isWellEncodedPath tells whether every percent-escape in the path decodes (as UTF-8). */
export function isWellEncodedPath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * comparePathTemplates orders templates most specific first, for matching in order: a template
 * with a custom verb first, then segment by segment literal before `*` before `**`. Past the end of
 * the shorter one, an extra `*` or literal ranks first and an extra `**` last, so `/v1/x` beats
 * `/v1/x/**` on the path both match.
 */
export function comparePathTemplates(a: PathTemplate, b: PathTemplate): number {
  if ((a.verb === undefined) !== (b.verb === undefined)) return a.verb === undefined ? 1 : -1;
  const rank = (s: PathSegment | undefined) =>
    s === undefined ? 1.5 : s.kind === "literal" ? 0 : s.kind === "single" ? 1 : 2;
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = rank(a.segments[i]) - rank(b.segments[i]);
    if (d !== 0) return d;
  }
  return 0;
}

/** decodeKeepingSlashes percent-decodes everything except encoded slashes (%2F, %2f). */
function decodeKeepingSlashes(raw: string): string {
  return raw
    .split(/(%2[Ff])/)
    .map((part, i) => (i % 2 === 1 ? part : decodeURIComponent(part)))
    .join("");
}
