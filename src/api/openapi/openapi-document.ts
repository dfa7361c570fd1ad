/**
 * openapi-document.ts writes the OpenAPI 3.1 document of the REST surface from the contract: one
 * operation per google.api.http binding, with its path and query parameters (snake_case field
 * paths), its body and answer in the proto3 JSON mapping, the error body, who may call it (the
 * dd.v1.access rule as security requirements and x-dd-scope) and the headers every integrator
 * meets (Idempotency-Key, RateLimit, Retry-After). It reads descriptors only, so the buf plugin
 * (tools/protoc-gen-dd-openapi.ts) can write it with the proto comments as descriptions.
 */
import type { DescField, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { FieldBehavior } from "../../../gen/google/api/field_behavior_pb.js";
import { accessRuleOf } from "../../rpc/access.js";
import { idempotencyKeyRefusal } from "../../rpc/interceptors/idempotency.js";
import { parsePathTemplate } from "../../rpc/rest/path-template.js";
import { isStringFormMessage, resolveFieldPath } from "../../rpc/rest/request-mapping.js";
import { httpBindings } from "../../rpc/rest/route-table.js";
import {
  behaviours,
  type Describe,
  enumSchema,
  fieldSchema,
  type JsonSchema,
  messageSchema,
  referencedTypes,
  schemaRef,
  typeSchema,
} from "./json-schema.js";

/** DescribeAny gives the comment of a service, method, message, field or enum ("" when none). */
export type DescribeAny = (desc: DescService | DescMethod | Parameters<Describe>[0]) => string;

/** ExtraRoute is a REST route onto an RPC whose proto carries no binding (the health check). */
export interface ExtraRoute {
  verb: string;
  path: string;
  method: DescMethod;
  /** Said here, as its proto (third-party) is not ours to comment. */
  description: string;
}

/** DocumentSources is what the document is written from. */
export interface DocumentSources {
  services: readonly DescService[];
  extraRoutes?: readonly ExtraRoute[];
  describe: DescribeAny;
  version: string;
}

type Operation = Record<string, unknown>;

const errorBody: JsonSchema = {
  type: "object",
  description:
    "Every error answer: the Connect code (as in gRPC, lower case), a message for people, and the google.rpc details (ErrorInfo with a machine-readable reason, BadRequest naming each field, RetryInfo, QuotaFailure…) as Any JSON.",
  properties: {
    code: { type: "string", examples: ["invalid_argument", "not_found", "resource_exhausted"] },
    message: { type: "string" },
    details: { type: "array", items: { type: "object", properties: { "@type": { type: "string" } } } },
  },
  required: ["code", "message", "details"],
};

const rateLimitHeaders = {
  "RateLimit-Policy": {
    description: 'The limit that applies: "organisation";q=1000;w=60 (requests a window of w seconds).',
    schema: { type: "string" },
  },
  RateLimit: {
    description: 'What is left of it: "organisation";r=998;t=1 (remaining; seconds to reset).',
    schema: { type: "string" },
  },
};

const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "A unique string of 1 to 255 printable ASCII characters. The first answer is stored for 24 hours and replayed, with Idempotent-Replayed: true, to a retry with the same key and request; the same key with another request is refused. Send one on every write you may retry.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$" },
};

const retryAfter = { description: "Seconds to wait before retrying.", schema: { type: "integer" } };

/** openApiDocument is the OpenAPI 3.1 document of the services' REST bindings. */
export function openApiDocument({
  services: given,
  extraRoutes = [],
  describe,
  version,
}: DocumentSources): Record<string, unknown> {
  // By name, so the document does not depend on the order the services come in.
  const services = [...given].sort((a, b) => a.name.localeCompare(b.name));
  const paths: Record<string, Record<string, Operation>> = {};
  const messages: DescMessage[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      for (const binding of httpBindings(method)) {
        const template = parsePathTemplate(binding.path);
        const path = openApiPath(binding.path);
        paths[path] ??= {};
        const pathFields = template.variables.map((v) => v.fieldPath.join("."));
        paths[path][binding.verb.toLowerCase()] = operation(method, binding.verb, pathFields, binding.body, describe);
        messages.push(method.input, method.output);
      }
    }
  }
  for (const extra of extraRoutes) {
    const op = operation(extra.method, extra.verb, [], "", (desc) =>
      desc === extra.method ? extra.description : describe(desc),
    );
    paths[extra.path] = { ...paths[extra.path], [extra.verb.toLowerCase()]: op };
    messages.push(extra.method.input, extra.method.output);
  }
  const all: Record<string, JsonSchema> = { Error: errorBody };
  for (const desc of referencedTypes(messages)) {
    all[desc.typeName] = desc.kind === "enum" ? enumSchema(desc, describe) : messageSchema(desc, describe);
  }
  // Only what the operations use: a request read from the path, query and body needs no schema.
  const schemas = Object.fromEntries([...usedSchemas(paths, all)].sort().map((name) => [name, all[name]!]));
  return {
    openapi: "3.1.0",
    info: {
      title: "Direct Debit API",
      version,
      description:
        "UK Bacs Direct Debit: mandates, collections, alerts and reports. The same operations are served over gRPC and Connect; this document describes their REST/JSON form (proto3 JSON mapping).",
    },
    servers: [{ url: "/" }],
    tags: [
      ...services.map((s) => ({ name: s.name, description: describe(s) })),
      ...[...new Set(extraRoutes.map((r) => r.method.parent))].map((s) => ({ name: s.name, description: s.typeName })),
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "An organisation's API key (dd_live_… or dd_test_…): Authorization: Bearer <key>.",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "__Host-dd_session",
          description: "A signed-in user's browser session (the console); dd_session on plain HTTP in development.",
        },
      },
    },
  };
}

/**
 * openApiPath turns a google.api.http template into an OpenAPI path: {name=…} becomes {name}, and
 * a dotted field path its parameter name (paramName), so that GET /v1/mandates/{mandate_id} and
 * PATCH /v1/mandates/{mandate.id} are one path, as OpenAPI wants.
 */
function openApiPath(template: string): string {
  return template.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_, field: string) => `{${paramName(field)}}`);
}

/** paramName is a path field's parameter name: mandate.id is mandate_id. */
function paramName(fieldPath: string): string {
  return fieldPath.replaceAll(".", "_");
}

/** usedSchemas names the schemas the paths reference, and those they reference in turn. */
function usedSchemas(paths: unknown, schemas: Record<string, JsonSchema>): Set<string> {
  const used = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (key === "$ref" && typeof item === "string") {
          const name = item.replace("#/components/schemas/", "");
          if (!used.has(name)) {
            used.add(name);
            walk(schemas[name]);
          }
        } else walk(item);
      }
    }
  };
  walk(paths);
  return used;
}

function operation(
  method: DescMethod,
  verb: string,
  pathFields: readonly string[],
  body: string,
  describe: DescribeAny,
): Operation {
  const description = describe(method);
  const op: Operation = {
    operationId: `${method.parent.name}_${method.name}`,
    tags: [method.parent.name],
    summary: firstSentence(description) || method.name,
    description,
    "x-grpc-method": `/${method.parent.typeName}/${method.name}`,
  };
  const parameters: unknown[] = pathFields.map((path) => ({
    name: paramName(path),
    in: "path",
    required: true,
    schema: fieldSchema(fieldAt(method.input, path), describe),
    ...(path.includes(".") ? { description: `The request's ${path}.` } : {}),
  }));
  if (body !== "*") parameters.push(...queryParameters(method.input, new Set(pathFields), body, describe));
  if (idempotencyKeyRefusal(method) === undefined) parameters.push(idempotencyKey);
  if (parameters.length > 0) op.parameters = parameters;
  if (body === "*") {
    // The whole request but what the path carries.
    const schema = messageSchema(method.input, describe, new Set(pathFields));
    const required = Array.isArray(schema.required) && schema.required.length > 0;
    op.requestBody = { required, content: { "application/json": { schema } } };
  } else if (body !== "") {
    const field = fieldAt(method.input, body);
    // A PATCH body carries only the fields its update_mask names: none of the message's is required.
    const schema =
      verb === "PATCH" && field.fieldKind === "message"
        ? { ...messageSchema(field.message, describe, undefined, { requireNone: true }), description: describe(field) }
        : fieldSchema(field, describe);
    op.requestBody = { required: isRequired(field), content: { "application/json": { schema } } };
  }
  op.responses = {
    "200": {
      description: "OK",
      headers: rateLimitHeaders,
      // google.protobuf.Empty and the other well-known types are written inline: no schema of their own.
      content: { "application/json": { schema: typeSchema(method.output) } },
    },
    "429": {
      description: "RESOURCE_EXHAUSTED: over the rate limit. Retry no sooner than Retry-After.",
      headers: { ...rateLimitHeaders, "Retry-After": retryAfter },
      content: { "application/json": { schema: schemaRef("Error") } },
    },
    "503": {
      description:
        "UNAVAILABLE: the service cannot answer now (its database is away). Retry no sooner than Retry-After.",
      headers: { "Retry-After": retryAfter },
      content: { "application/json": { schema: schemaRef("Error") } },
    },
    default: {
      description: "An error: the HTTP status follows the code (400 invalid_argument, 404 not_found, …).",
      content: { "application/json": { schema: schemaRef("Error") } },
    },
  };
  Object.assign(op, securityOf(method));
  return op;
}

/** securityOf is who may call the method: its access rule as security requirements, and the scope. */
function securityOf(method: DescMethod): Operation {
  const rule = accessRuleOf(method);
  switch (rule?.kind) {
    case "scope":
      return { security: [{ apiKey: [rule.scope] }, { session: [rule.scope] }], "x-dd-scope": rule.scope };
    case "session_only":
      return { security: [{ session: rule.roles }], "x-dd-roles": rule.roles };
    case "authenticated":
      return { security: [{ apiKey: [] }, { session: [] }] };
    default:
      return { security: [] };
  }
}

/**
 * queryParameters lists the request fields the query string carries: every field not bound by the
 * path or the body, a message field by its own fields' dotted paths (a Timestamp, Duration,
 * FieldMask or wrapper as one value, as the transcoder reads them); maps, lists of messages and
 * other messages cannot be written there.
 */
function queryParameters(
  message: DescMessage,
  bound: ReadonlySet<string>,
  body: string,
  describe: DescribeAny,
  prefix = "",
  visiting: ReadonlySet<string> = new Set([message.typeName]),
): unknown[] {
  const parameters: unknown[] = [];
  for (const field of message.fields) {
    const path = `${prefix}${field.name}`;
    if (bound.has(path) || path === body) continue;
    if (field.fieldKind === "message" && !isStringFormMessage(field.message)) {
      const nested = field.message;
      if (visiting.has(nested.typeName) || nested.typeName.startsWith("google.protobuf.")) continue;
      parameters.push(
        ...queryParameters(nested, bound, body, describe, `${path}.`, new Set([...visiting, nested.typeName])),
      );
      continue;
    }
    if (field.fieldKind === "map" || (field.fieldKind === "list" && field.listKind === "message")) continue;
    parameters.push({
      name: path,
      in: "query",
      required: isRequired(field),
      schema: fieldSchema(field, describe),
      ...(field.fieldKind === "list" ? { style: "form", explode: true } : {}),
    });
  }
  return parameters;
}

/** isRequired says whether the contract marks the field REQUIRED. */
function isRequired(field: DescField): boolean {
  return behaviours(field).includes(FieldBehavior.REQUIRED);
}

/** fieldAt is the field at a dotted path of snake_case names, as the transcoder resolves it. */
function fieldAt(message: DescMessage, path: string): DescField {
  const fields = resolveFieldPath(message, path.split("."));
  if (typeof fields === "string") throw new Error(fields);
  return fields.at(-1)!;
}

/** firstSentence is the text up to the first full stop followed by a space or the end. */
function firstSentence(text: string): string {
  const match = /^(.+?\.)(\s|$)/s.exec(text);
  return (match?.[1] ?? text).replace(/\s+/g, " ").trim();
}
