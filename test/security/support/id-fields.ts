/**
 * id-fields.ts finds, in each contract RPC's request message, the fields that name a resource, from
 * the descriptors alone: every variable of every google.api.http path template ({mandate_id},
 * {mandate.id}, {invite_token}), and every other string field the caller sets whose name says it
 * holds an id or a token (`id`, `…_id`, `…_token`), however deep in the request. A field added to
 * the contract is found without anyone listing it, so the tenancy cases cover it at once (or fail
 * until someone teaches the suite to make what it names).
 */
import { type DescField, type DescMessage, getOption, ScalarType } from "@bufbuild/protobuf";
import { FieldBehavior, field_behavior } from "../../../gen/google/api/field_behavior_pb.js";
import { httpBindings } from "../../../src/rpc/rest/index.js";
import type { ContractRpc } from "./contract-rpcs.js";

/**
 * What the field does in its RPC:
 * - target: names the resource the RPC reads or acts on (a path variable);
 * - filter: narrows a List to what relates to that resource;
 * - reference: another resource the one created or changed points to (a schedule's mandate).
 */
export type IdFieldRole = "target" | "filter" | "reference";

/** IdField is one request field that names a resource. */
export interface IdField {
  /** Proto field names from the request message down, for example ["mandate", "id"]. */
  path: readonly string[];
  /** The same, dotted as path templates write it: "mandate.id". */
  dotted: string;
  /** What it names, in snake_case: "mandate", "schedule", "alert_threshold", "api_key", "invite". */
  resource: string;
  role: IdFieldRole;
}

/**
 * Names that look like ids and are not resources: a page token is bound to the organisation it was
 * issued to, which test/isolation.test.ts checks for every list; it names no resource to create.
 */
const notResources: ReadonlySet<string> = new Set(["page_token"]);

const idName = /^(id|[a-z][a-z0-9_]*_id|[a-z][a-z0-9_]*_token)$/;

/** Well-known types are values, not containers of ids. */
const isWellKnown = (message: DescMessage) => message.typeName.startsWith("google.protobuf.");

/** idFieldsOf lists the request fields of the RPC that name a resource, path variables first. */
export function idFieldsOf(rpc: ContractRpc): IdField[] {
  const input = rpc.method.input;
  const pathVariables = new Set(
    httpBindings(rpc.method).flatMap((binding) =>
      [...binding.path.matchAll(/\{([^}=]+)(=[^}]*)?\}/g)].map((match) => match[1]!),
    ),
  );
  const found: IdField[] = [...pathVariables].map((dotted) => {
    const path = dotted.split(".");
    return { path, dotted, resource: resourceNamedBy(fieldsAt(input, path)), role: "target" };
  });
  const role: IdFieldRole = rpc.name.startsWith("List") ? "filter" : "reference";
  walk(input, [], (path, fields) => {
    const dotted = path.join(".");
    const leaf = fields[fields.length - 1]!;
    if (pathVariables.has(dotted) || notResources.has(leaf.name) || !idName.test(leaf.name)) return;
    const behaviours = getOption(leaf, field_behavior);
    // An IDENTIFIER outside the path is the id a create assigns (AIP-203): the caller names nothing.
    if (behaviours.includes(FieldBehavior.IDENTIFIER)) return;
    // An IMMUTABLE field of an Update request cannot change (AIP-203): the update ignores it, so the
    // caller names nothing there (UpdateCollectionSchedule's schedule.mandate_id).
    if (rpc.name.startsWith("Update") && behaviours.includes(FieldBehavior.IMMUTABLE)) return;
    if (leaf.fieldKind !== "scalar" || leaf.scalar !== ScalarType.STRING) {
      throw new Error(`${rpc.path}: ${dotted} looks like an id but is not a single string: teach id-fields.ts`);
    }
    found.push({ path, dotted, resource: resourceNamedBy(fields), role });
  });
  return found;
}

/** walk visits every field the caller may set, depth first, with the fields leading to it. */
function walk(
  message: DescMessage,
  trail: readonly DescField[],
  visit: (path: string[], fields: DescField[]) => void,
): void {
  for (const field of message.fields) {
    if (getOption(field, field_behavior).includes(FieldBehavior.OUTPUT_ONLY)) continue;
    const fields = [...trail, field];
    if (field.fieldKind === "message" && !isWellKnown(field.message)) {
      // A message that contains itself would recurse for ever; no request of ours nests that deep.
      if (fields.length > 4) throw new Error(`${message.typeName}.${field.name}: request nested too deep`);
      walk(field.message, fields, visit);
      continue;
    }
    visit(
      fields.map((f) => f.name),
      fields,
    );
  }
}

/** fieldsAt resolves a path of proto field names. */
function fieldsAt(message: DescMessage, path: readonly string[]): DescField[] {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    const field: DescField | undefined = current?.fields.find((f) => f.name === name);
    if (!field) throw new Error(`${message.typeName} has no field ${path.join(".")}`);
    fields.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

/**
 * resourceNamedBy reads the resource from the field's name ("schedule_id" → schedule, "invite_token"
 * → invite) or, for a message's own `id`, from the message ("AlertThreshold" → alert_threshold).
 */
function resourceNamedBy(fields: readonly DescField[]): string {
  const leaf = fields[fields.length - 1]!;
  if (leaf.name === "id") return snakeCase(leaf.parent.name);
  return leaf.name.replace(/_(id|token)$/, "");
}

function snakeCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, "_$1").toLowerCase();
}

/** requestWith is a request whose field at the path holds the value, as create() takes it. */
export function requestWith(rpc: ContractRpc, path: readonly string[], value: string): Record<string, unknown> {
  const fields = fieldsAt(rpc.method.input, path);
  const request: Record<string, unknown> = {};
  let at = request;
  for (const field of fields.slice(0, -1)) {
    const inner: Record<string, unknown> = {};
    at[field.localName] = inner;
    at = inner;
  }
  at[fields[fields.length - 1]!.localName] = value;
  return request;
}
