/**
 * json-schema.ts describes protobuf messages, fields and enums as JSON Schema (OpenAPI 3.1's
 * dialect) in the proto3 JSON mapping the REST surface speaks: lowerCamelCase names (snake_case is
 * accepted on input too), 64-bit integers as decimal strings, enums by name, bytes as base64, and
 * the well-known types as their JSON forms (Timestamp as an RFC 3339 string, FieldMask as a
 * comma-separated string, Struct as an object…).
 */
import { type DescEnum, type DescField, type DescMessage, getOption, hasOption, ScalarType } from "@bufbuild/protobuf";
import { FieldBehavior, field_behavior } from "../../../gen/google/api/field_behavior_pb.js";

/** JsonSchema is one JSON Schema object, as OpenAPI 3.1 embeds them. */
export type JsonSchema = { [keyword: string]: unknown };

/** Describe gives the documentation comment of an element of the contract ("" when it has none). */
export type Describe = (desc: DescMessage | DescField | DescEnum) => string;

/** schemaRef is the reference to a message's or enum's component schema, named by its full name. */
export function schemaRef(typeName: string): JsonSchema {
  return { $ref: `#/components/schemas/${typeName}` };
}

const int64Pattern = "^-?[0-9]+$";
const uint64Pattern = "^[0-9]+$";

/** The well-known types, which proto3 JSON writes in forms of their own. */
const wellKnown: Readonly<Record<string, JsonSchema>> = {
  "google.protobuf.Timestamp": {
    type: "string",
    format: "date-time",
    description: "RFC 3339, UTC (Z), for example 2027-01-04T09:30:00Z.",
  },
  "google.protobuf.Duration": {
    type: "string",
    pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
    description: 'Seconds, "1.5s".',
  },
  "google.protobuf.FieldMask": {
    type: "string",
    description: "Comma-separated field paths, for example amountMinor,endDate (snake_case accepted).",
  },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
  "google.protobuf.Empty": { type: "object", additionalProperties: false },
  "google.protobuf.Any": { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] },
  "google.protobuf.StringValue": { type: "string" },
  "google.protobuf.BoolValue": { type: "boolean" },
  "google.protobuf.BytesValue": { type: "string", contentEncoding: "base64" },
  "google.protobuf.Int32Value": { type: "integer", format: "int32" },
  "google.protobuf.UInt32Value": { type: "integer", format: "int32", minimum: 0 },
  "google.protobuf.Int64Value": { type: "string", format: "int64", pattern: int64Pattern },
  "google.protobuf.UInt64Value": { type: "string", format: "uint64", pattern: uint64Pattern },
  "google.protobuf.FloatValue": { type: "number", format: "float" },
  "google.protobuf.DoubleValue": { type: "number", format: "double" },
};

/** isWellKnown says whether a message is written as a JSON scalar or value of its own, not as an object. */
export function isWellKnown(message: DescMessage): boolean {
  return message.typeName in wellKnown;
}

/** scalarSchema is the proto3 JSON form of a scalar field's value. */
function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      // Strings, so JavaScript clients keep every digit (numbers are accepted on input).
      return { type: "string", format: "int64", pattern: int64Pattern };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64", pattern: uint64Pattern };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int32", minimum: 0 };
    default:
      return { type: "integer", format: "int32" };
  }
}

/** typeSchema is the schema of one value of a message or enum type: the well-known form, or a reference. */
export function typeSchema(desc: DescMessage | DescEnum): JsonSchema {
  if (desc.kind === "message" && isWellKnown(desc)) return wellKnown[desc.typeName]!;
  return schemaRef(desc.typeName);
}

/** typeOf is the message or enum type of a field's values, or undefined for scalars. */
function typeOf(field: DescField): DescMessage | DescEnum | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return undefined;
    case "enum":
      return field.enum;
    case "message":
      return field.message;
    case "list":
      return field.listKind === "enum" ? field.enum : field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "enum" ? field.enum : field.mapKind === "message" ? field.message : undefined;
  }
}

/** valueSchema is the schema of one (not repeated) value of `field`. */
function valueSchema(field: DescField): JsonSchema {
  const type = typeOf(field);
  if (type) return typeSchema(type);
  // Only scalar fields, lists and maps are left, and each has its scalar type.
  return scalarSchema((field as { scalar: ScalarType }).scalar);
}

/** behaviours lists a field's google.api.field_behavior. */
export function behaviours(field: DescField): readonly FieldBehavior[] {
  return hasOption(field, field_behavior) ? getOption(field, field_behavior) : [];
}

/** fieldSchema is the schema of a field's JSON value, with its comment and whether only the server sets it. */
export function fieldSchema(field: DescField, describe: Describe): JsonSchema {
  const one = valueSchema(field);
  const schema: JsonSchema =
    field.fieldKind === "list"
      ? { type: "array", items: one }
      : field.fieldKind === "map"
        ? { type: "object", additionalProperties: one }
        : // A reference cannot carry siblings in every tool: wrap it so the description stays.
          "$ref" in one
          ? { allOf: [one] }
          : { ...one };
  const description = describe(field);
  if (description !== "") schema.description = description;
  if (behaviours(field).includes(FieldBehavior.OUTPUT_ONLY)) schema.readOnly = true;
  return schema;
}

/**
 * messageSchema is a message's component schema: an object of its fields by JSON name, but those
 * `leftOut` names (snake_case; a request's path fields, which its body need not repeat), and which
 * of them are REQUIRED (none with requireNone: a PATCH body sends only what its mask names).
 */
export function messageSchema(
  message: DescMessage,
  describe: Describe,
  leftOut?: ReadonlySet<string>,
  { requireNone = false } = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of message.fields) {
    if (leftOut?.has(field.name)) continue;
    properties[field.jsonName] = fieldSchema(field, describe);
    if (!requireNone && behaviours(field).includes(FieldBehavior.REQUIRED)) required.push(field.jsonName);
  }
  const schema: JsonSchema = { type: "object", properties };
  if (required.length > 0) schema.required = required;
  const description = describe(message);
  if (description !== "") schema.description = description;
  return schema;
}

/** enumSchema is an enum's component schema: its value names (numbers are accepted on input too). */
export function enumSchema(desc: DescEnum, describe: Describe): JsonSchema {
  const schema: JsonSchema = { type: "string", enum: desc.values.map((v) => v.name) };
  const description = describe(desc);
  if (description !== "") schema.description = description;
  return schema;
}

/**
 * referencedTypes lists every message and enum reachable from `roots` through their fields, roots
 * included, except the well-known types (written inline): the component schemas a document needs.
 */
export function referencedTypes(roots: Iterable<DescMessage>): (DescMessage | DescEnum)[] {
  const seen = new Map<string, DescMessage | DescEnum>();
  const visit = (desc: DescMessage | DescEnum): void => {
    if (seen.has(desc.typeName) || (desc.kind === "message" && isWellKnown(desc))) return;
    seen.set(desc.typeName, desc);
    if (desc.kind === "enum") return;
    for (const field of desc.fields) {
      const type = typeOf(field);
      if (type) visit(type);
    }
  };
  for (const root of roots) visit(root);
  return [...seen.values()].sort((a, b) => a.typeName.localeCompare(b.typeName));
}
