/**
 * reference-page.ts renders the API reference served at /docs from the OpenAPI document: every
 * operation by service, with who may call it, its parameters, body and answer, and every schema
 * with its fields. One self-contained HTML page (no script, no CDN, its one style block allowed by
 * hash), readable without the proto files.
 */
import { createHash } from "node:crypto";

interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  enum?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  readOnly?: boolean;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema: Schema;
}
interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  security: Record<string, string[]>[];
  "x-dd-scope"?: string;
  "x-dd-roles"?: string[];
}
/** ReferenceDocument is the part of an OpenAPI document the page reads. */
export interface ReferenceDocument {
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const style = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1a202c}
code,pre{font:14px/1.4 ui-monospace,monospace}pre{white-space:pre-wrap}
h2{border-top:2px solid #cbd5e0;padding-top:1rem;margin-top:2.5rem}h3{margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #cbd5e0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#edf2f7}.verb{font-weight:700;color:#2b6cb0}.muted{color:#4a5568}`;

/** referenceStyleHash is the CSP source that allows the page's style block. */
export const referenceStyleHash = `'sha256-${createHash("sha256").update(style).digest("base64")}'`;

const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** prose renders a comment: paragraphs on blank lines, the rest as written. */
function prose(text: string | undefined): string {
  if (!text) return "";
  return text
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p.replace(/\s*\n\s*/g, " "))}</p>`)
    .join("");
}

const anchorOf = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;

/** typeText is a schema's type in a few words, linking to a referenced schema. */
function typeText(schema: Schema): string {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    return `<a href="#${anchorOf(name)}">${escapeHtml(name)}</a>`;
  }
  if (schema.allOf?.[0]) return typeText(schema.allOf[0]);
  if (schema.type === "array" && schema.items) return `array of ${typeText(schema.items)}`;
  if (schema.type === "object" && typeof schema.additionalProperties === "object")
    return `map of ${typeText(schema.additionalProperties)}`;
  const format = schema.format ? ` (${escapeHtml(schema.format)})` : "";
  return `${escapeHtml(schema.type ?? "any")}${format}`;
}

function accessText(op: Operation): string {
  if (op["x-dd-scope"]) return `API key or session with scope <code>${escapeHtml(op["x-dd-scope"])}</code>`;
  if (op["x-dd-roles"]) return `Signed-in session only, roles: ${op["x-dd-roles"].map(escapeHtml).join(", ")}`;
  return op.security.length === 0 ? "Public: no credentials" : "Any API key or session";
}

function operationHtml(path: string, verb: string, op: Operation): string {
  const parameters = op.parameters ?? [];
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}${p.required ? ", required" : ""}</td><td>${typeText(p.schema)}</td><td>${escapeHtml(p.description ?? p.schema.description ?? "")}</td></tr>`,
    )
    .join("");
  const body = op.requestBody?.content["application/json"]?.schema;
  const answer = op.responses["200"]?.content?.["application/json"]?.schema;
  return `<section class="operation" id="${escapeHtml(op.operationId)}" aria-labelledby="${escapeHtml(op.operationId)}-title">
<h3 id="${escapeHtml(op.operationId)}-title"><span class="verb">${verb.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
${prose(op.description)}
<p class="muted">Access: ${accessText(op)}. gRPC and Connect: <code>${escapeHtml(op.operationId.replace("_", "/"))}</code>.</p>
${rows ? `<table><caption>Parameters</caption><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>` : ""}
${body ? `<p>Request body: ${typeText(body)}</p>` : ""}
${answer ? `<p>Answer: ${typeText(answer)}. Errors: <a href="#${anchorOf("Error")}">Error</a>.</p>` : ""}
</section>`;
}

function schemaHtml(name: string, schema: Schema): string {
  const fields = Object.entries(schema.properties ?? {})
    .map(
      ([field, s]) =>
        `<tr><td><code>${escapeHtml(field)}</code>${schema.required?.includes(field) ? " (required)" : ""}${s.readOnly ? " (output only)" : ""}</td><td>${typeText(s)}</td><td>${escapeHtml(s.description ?? "")}</td></tr>`,
    )
    .join("");
  const values = schema.enum
    ? `<p>One of: ${schema.enum.map((v) => `<code>${escapeHtml(v)}</code>`).join(", ")}</p>`
    : "";
  return `<section id="${anchorOf(name)}"><h3><code>${escapeHtml(name)}</code></h3>${prose(schema.description)}${values}
${fields ? `<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${fields}</tbody></table>` : ""}</section>`;
}

/** referencePage is the whole /docs page of `document`. */
export function referencePage(document: ReferenceDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, verbs] of Object.entries(document.paths)) {
    for (const [verb, op] of Object.entries(verbs)) {
      const tag = op.tags[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(path, verb, op)]);
    }
  }
  const services = document.tags
    .map(
      (t) =>
        `<section id="${escapeHtml(t.name)}"><h2>${escapeHtml(t.name)}</h2>${prose(t.description)}${(byTag.get(t.name) ?? []).join("\n")}</section>`,
    )
    .join("\n");
  const contents = document.tags
    .map((t) => `<li><a href="#${escapeHtml(t.name)}">${escapeHtml(t.name)}</a></li>`)
    .join("");
  const schemas = Object.entries(document.components.schemas)
    .map(([name, schema]) => schemaHtml(name, schema))
    .join("\n");
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} reference</title><style>${style}</style></head>
<body><main>
<h1>${escapeHtml(document.info.title)} reference</h1>
${prose(document.info.description)}
<p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. JSON field names are lowerCamelCase (snake_case is accepted on input); 64-bit integers are strings; enums are their names; times are RFC 3339. Send an <code>Idempotency-Key</code> header on every write you may retry. Over the rate limit an answer is 429 with <code>Retry-After</code>. The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<nav aria-label="Services"><h2>Services</h2><ul>${contents}<li><a href="#schemas">Schemas</a></li></ul></nav>
${services}
<section id="schemas"><h2>Schemas</h2>${schemas}</section>
</main></body></html>
`;
}
