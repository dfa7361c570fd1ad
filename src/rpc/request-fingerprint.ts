/**
 * request-fingerprint.ts hashes a request message so a retry can be told from a different request
 * under the same Idempotency-Key. It hashes the message's binary, not the bytes on the wire: a REST
 * JSON body, Connect JSON and gRPC binary of the same request then give the same fingerprint.
 */
import { createHash } from "node:crypto";
import { clone, type DescMessage, type Message, toBinary } from "@bufbuild/protobuf";

/**
 * requestFingerprint returns the hex SHA-256 of "<service>/<method>\n" followed by the request's
 * canonical binary. protobuf-es writes fields in field-number order but map entries in insertion
 * order (the order they had in the JSON body), so maps are sorted by key first; unknown fields are
 * left out, as no handler reads them.
 */
export function requestFingerprint(methodPath: string, schema: DescMessage, message: Message): string {
  const canonical = clone(schema, message);
  sortMaps(schema, canonical as unknown as Record<string, unknown>);
  const bytes = toBinary(schema, canonical, { writeUnknownFields: false });
  return createHash("sha256").update(methodPath).update("\n").update(bytes).digest("hex");
}

/** sortMaps re-inserts every map field's entries in key order, recursively, in place. */
function sortMaps(schema: DescMessage, message: Record<string, unknown>): void {
  // Wrapper fields (google.protobuf.StringValue…) are unboxed to plain values: nothing to sort.
  if (typeof message !== "object") return;
  for (const member of schema.members) {
    if (member.kind === "oneof") {
      const selected = message[member.localName] as { case: string | undefined; value?: unknown };
      const field = member.fields.find((f) => f.localName === selected.case);
      if (field?.fieldKind === "message" && selected.value)
        sortMaps(field.message, selected.value as Record<string, unknown>);
      continue;
    }
    const value = message[member.localName];
    if (value === undefined || value === null) continue;
    switch (member.fieldKind) {
      case "message":
        sortMaps(member.message, value as Record<string, unknown>);
        break;
      case "list":
        if (member.listKind === "message")
          for (const item of value as Record<string, unknown>[]) sortMaps(member.message, item);
        break;
      case "map": {
        const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        );
        if (member.mapKind === "message")
          for (const [, item] of entries) sortMaps(member.message, item as Record<string, unknown>);
        message[member.localName] = Object.fromEntries(entries);
        break;
      }
      default:
        break;
    }
  }
}
