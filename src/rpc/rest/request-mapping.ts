/**
 * request-mapping.ts turns the parts of a REST request (path variables, query parameters, JSON
 * body) into the request message's proto3 JSON, which the Connect handler then parses exactly as
 * it parses a Connect request. It only shapes and type-checks values; the handler's own JSON
 * parsing stays the single source of truth for the message.
 *
 * Query parameters, chosen conventions:
 * - keys are proto field names (`mandate_id`) or lowerCamelCase JSON names (`mandateId`), dotted
 *   for nested messages (`payer.email`);
 * - repeated fields take repeated parameters (`state=A&state=B`); commas are NOT split (a string
 *   may hold a comma), except in a FieldMask, whose text form is a comma list;
 * - int32-like values become JSON numbers, int64-like stay strings (proto3 JSON allows both), bool
 *   is "true" or "false", enums take the value name or its number, bytes take base64 (std or
 *   url-safe; a space is read back as '+', since '+' in a query string decodes to a space);
 * - Timestamp, Duration, FieldMask and the wrapper types take their proto3 JSON string forms;
 *   FieldMask paths may be snake_case and are sent on in lowerCamelCase as proto3 JSON requires.
 */
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  ScalarType,
} from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

/**
 * InvalidRequestError is a client mistake in the REST request. `field` names the query parameter,
 * path variable or body field at fault; the transcoder turns it into INVALID_ARGUMENT with a
 * google.rpc.BadRequest field violation.
 */
export class InvalidRequestError extends Error {
  override name = "InvalidRequestError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** RequestParts is what the transcoder has read from the HTTP request. */
export interface RequestParts {
  /** Path variable values by dotted field path, as matchPathTemplate answers them. */
  readonly pathValues: ReadonlyMap<string, string>;
  readonly query: URLSearchParams;
  /** The parsed JSON body, or undefined when the request had none. */
  readonly body: JsonValue | undefined;
}

/** RequestMapping converts one route's request parts into the request message's proto3 JSON. */
export interface RequestMapping {
  /** Whether the binding takes a request body (its HttpRule body is not empty). */
  readonly takesBody: boolean;
  toJson(parts: RequestParts): JsonObject;
}

/**
 * createRequestMapping prepares the mapping for one binding: `pathFields` are the template's
 * variables (dotted), `body` is the HttpRule body ("" none, "*" all, or a top-level field name).
 * It throws if the binding names fields the message does not have, so a bad annotation fails at
 * start-up.
 */
export function createRequestMapping(input: DescMessage, pathFields: readonly string[], body: string): RequestMapping {
  const pathBindings = pathFields.map((dotted) => {
    const fields = resolveFieldPath(input, dotted.split("."));
    if (typeof fields === "string") throw new Error(`${input.typeName}: path variable {${dotted}}: ${fields}`);
    const leaf = fields[fields.length - 1]!;
    if (leaf.fieldKind !== "scalar" && leaf.fieldKind !== "enum") {
      throw new Error(`${input.typeName}: path variable {${dotted}} must name a singular scalar or enum field`);
    }
    return { dotted, fields };
  });
  let bodyField: DescField | undefined;
  if (body !== "" && body !== "*") {
    bodyField = input.fields.find((f) => f.name === body);
    if (!bodyField) throw new Error(`${input.typeName}: body field "${body}" does not exist`);
  }
  // Proto-name paths bound by the path or the body: a query parameter may not set them again.
  const bound = [
    ...pathBindings.map((b) => b.fields.map((f) => f.name).join(".")),
    ...(bodyField ? [bodyField.name] : []),
  ];

  return {
    takesBody: body !== "",
    toJson({ pathValues, query, body: bodyValue }) {
      let json: JsonObject = {};
      if (body === "*") {
        if (bodyValue !== undefined) {
          if (!isJsonObject(bodyValue)) throw new InvalidRequestError("the request body must be a JSON object");
          json = bodyValue;
        }
      } else if (bodyField && bodyValue !== undefined) {
        setKey(json, bodyField.jsonName, bodyValue);
      }
      // Path values win over the same fields in the body: the URL names the resource.
      for (const { dotted, fields } of pathBindings) {
        const raw = pathValues.get(dotted);
        if (raw === undefined) continue;
        const value = leafValue(fields[fields.length - 1]!, raw, `path variable {${dotted}}`, dotted);
        setLeaf(json, fields, value, dotted);
      }
      if (body === "*") {
        const first = query.keys().next();
        if (!first.done) {
          throw new InvalidRequestError(
            `unknown query parameter "${first.value}": this method takes its fields in the JSON body`,
            first.value,
          );
        }
        return json;
      }
      for (const key of new Set(query.keys())) {
        setQueryParameter(json, input, key, query.getAll(key), bound);
      }
      return json;
    },
  };
}

function setQueryParameter(json: JsonObject, input: DescMessage, key: string, values: string[], bound: string[]): void {
  const fields = resolveFieldPath(input, key.split("."));
  if (typeof fields === "string") throw new InvalidRequestError(`unknown query parameter "${key}": ${fields}`, key);
  const protoPath = fields.map((f) => f.name).join(".");
  const clash = bound.find((b) => protoPath === b || protoPath.startsWith(`${b}.`) || b.startsWith(`${protoPath}.`));
  if (clash !== undefined) {
    throw new InvalidRequestError(
      `query parameter "${key}" is not allowed: "${clash}" is set by the URL path or body`,
      key,
    );
  }
  const leaf = fields[fields.length - 1]!;
  const what = `query parameter "${key}"`;
  let value: JsonValue;
  if (leaf.fieldKind === "list") {
    const element = leaf.listKind === "message" ? leaf.message : leaf.listKind === "enum" ? leaf.enum : leaf.scalar;
    if (leaf.listKind === "message" && !isStringFormMessage(leaf.message)) {
      throw new InvalidRequestError(`${what} names a repeated message field, which cannot be set from the query`, key);
    }
    value = values.map((v) => convert(element, v, what, key));
  } else if (leaf.fieldKind === "map") {
    throw new InvalidRequestError(`${what} names a map field, which cannot be set from the query`, key);
  } else {
    if (values.length > 1)
      throw new InvalidRequestError(`${what} is given ${values.length} times; it takes one value`, key);
    value = leafValue(leaf, values[0]!, what, key);
  }
  setLeaf(json, fields, value, key);
}

/**
 * resolveFieldPath finds the fields named by a dotted path (each part a proto or JSON name); every
 * part but the last must be a singular, ordinary message field. It answers a reason on failure.
 */
export function resolveFieldPath(input: DescMessage, parts: string[]): DescField[] | string {
  const fields: DescField[] = [];
  let message: DescMessage = input;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const field = message.fields.find((f) => f.name === part || f.jsonName === part);
    if (!field) return `${message.typeName} has no field "${part}"`;
    fields.push(field);
    if (i < parts.length - 1) {
      if (field.fieldKind !== "message" || isStringFormMessage(field.message))
        return `"${part}" is not a message field`;
      message = field.message;
    }
  }
  return fields;
}

/** leafValue converts one text value for a singular field. */
function leafValue(field: DescField, raw: string, what: string, key?: string): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return convert(field.scalar, raw, what, key);
    case "enum":
      return convert(field.enum, raw, what, key);
    case "message":
      if (!isStringFormMessage(field.message)) {
        const hint = `set its fields instead (${field.name}.…)`;
        throw new InvalidRequestError(`${what} names the message field "${field.name}"; ${hint}`, key);
      }
      return convert(field.message, raw, what, key);
    default:
      throw new InvalidRequestError(`${what} cannot set a ${field.fieldKind} field`, key);
  }
}

/** isStringFormMessage tells whether a message type can be written as one query value. */
export function isStringFormMessage(message: DescMessage): boolean {
  return stringFormTypes.has(message.typeName) || isWrapperDesc(message);
}

const stringFormTypes = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"]);

/** convert turns one text value into the proto3 JSON value of a scalar, an enum or a string-form message. */
function convert(type: ScalarType | DescEnum | DescMessage, raw: string, what: string, key?: string): JsonValue {
  const bad = (expected: string): never => {
    throw new InvalidRequestError(`invalid value ${JSON.stringify(raw)} for ${what}: expected ${expected}`, key);
  };
  if (typeof type === "number") return convertScalar(type, raw, bad);
  if (type.kind === "enum") {
    if (type.values.some((v) => v.name === raw)) return raw;
    if (/^-?\d+$/.test(raw) && type.values.some((v) => v.number === Number(raw))) return Number(raw);
    const names = type.values.map((v) => v.name).join(", ");
    const hint = raw.includes(",") ? " (for several values repeat the parameter: x=A&x=B)" : "";
    return bad(`one of ${names}, or its number${hint}`);
  }
  if (isWrapperDesc(type)) return convertScalar(type.fields[0]!.scalar, raw, bad);
  const json =
    type.typeName === "google.protobuf.FieldMask"
      ? raw
          .split(",")
          .map((path) => path.split(".").map(protoCamelCase).join("."))
          .join(",")
      : raw;
  try {
    fromJson(type, json);
  } catch {
    const forms: Record<string, string> = {
      "google.protobuf.Timestamp": "an RFC 3339 timestamp such as 2024-01-31T12:00:00Z",
      "google.protobuf.Duration": 'a duration in seconds such as "1.5s"',
      "google.protobuf.FieldMask": "comma-separated field paths",
    };
    return bad(forms[type.typeName] ?? type.typeName);
  }
  return json;
}

const int32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const uint32 = { min: 0n, max: 2n ** 32n - 1n };
const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const uint64 = { min: 0n, max: 2n ** 64n - 1n };
const floatMax = 3.4028234663852886e38;

function convertScalar(scalar: ScalarType, raw: string, bad: (expected: string) => never): JsonValue {
  const integer = (range: { min: bigint; max: bigint }, name: string): bigint => {
    if (!/^-?\d+$/.test(raw)) return bad(`an integer (${name})`);
    const n = BigInt(raw);
    if (n < range.min || n > range.max) return bad(`an integer in the ${name} range ${range.min}…${range.max}`);
    return n;
  };
  switch (scalar) {
    case ScalarType.STRING:
      return raw;
    case ScalarType.BOOL:
      if (raw === "true") return true;
      if (raw === "false") return false;
      return bad('"true" or "false"');
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number(integer(int32, "int32"));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number(integer(uint32, "uint32"));
    // 64-bit integers stay decimal strings: a JSON number would lose precision above 2^53.
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return integer(int64, "int64").toString();
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return integer(uint64, "uint64").toString();
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      if (raw === "NaN" || raw === "Infinity" || raw === "-Infinity") return raw;
      const n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return bad("a number");
      if (scalar === ScalarType.FLOAT && Math.abs(n) > floatMax) return bad("a number in the float range");
      return n;
    }
    case ScalarType.BYTES: {
      const b64 = raw.replaceAll(" ", "+");
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || b64.replace(/=+$/, "").length % 4 === 1) return bad("base64");
      return b64;
    }
  }
}

/** setLeaf writes a value at a field path, creating (or entering) the parent objects. */
function setLeaf(json: JsonObject, fields: readonly DescField[], value: JsonValue, where: string): void {
  let target = json;
  for (const field of fields.slice(0, -1)) {
    const existing = takeKey(target, field);
    if (existing === undefined || existing === null) {
      const child: JsonObject = {};
      setKey(target, field.jsonName, child);
      target = child;
    } else if (isJsonObject(existing)) {
      setKey(target, field.jsonName, existing);
      target = existing;
    } else {
      throw new InvalidRequestError(`"${field.name}" must be a JSON object to hold ${where}`, field.name);
    }
  }
  const leaf = fields[fields.length - 1]!;
  takeKey(target, leaf);
  setKey(target, leaf.jsonName, value);
}

/** takeKey removes a field's entry, under either of its names, and answers its value. */
function takeKey(obj: JsonObject, field: DescField): JsonValue | undefined {
  let value: JsonValue | undefined;
  for (const k of new Set([field.jsonName, field.name])) {
    if (Object.hasOwn(obj, k)) {
      value = obj[k];
      delete obj[k];
    }
  }
  return value;
}

/** setKey defines an own property, so a key such as "__proto__" can never reach the prototype. */
function setKey(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
