import { create } from "@bufbuild/protobuf";
import { StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { requestFingerprint } from "./request-fingerprint.js";

const text = (s: string) => create(ValueSchema, { kind: { case: "stringValue", value: s } });
const nested = (fields: Record<string, string>) =>
  create(ValueSchema, {
    kind: {
      case: "structValue",
      value: create(StructSchema, { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, text(v)])) }),
    },
  });

describe("requestFingerprint", () => {
  it("ignores the order of map entries, at any depth", () => {
    const a = create(StructSchema, { fields: { a: text("1"), b: text("2"), n: nested({ x: "1", y: "2" }) } });
    const b = create(StructSchema, { fields: { n: nested({ y: "2", x: "1" }), b: text("2"), a: text("1") } });
    expect(requestFingerprint("s/M", StructSchema, a)).toBe(requestFingerprint("s/M", StructSchema, b));
  });

  it("differs when a value or the method differs", () => {
    const a = create(StructSchema, { fields: { a: text("1") } });
    const b = create(StructSchema, { fields: { a: text("2") } });
    expect(requestFingerprint("s/M", StructSchema, a)).not.toBe(requestFingerprint("s/M", StructSchema, b));
    expect(requestFingerprint("s/M", StructSchema, a)).not.toBe(requestFingerprint("s/N", StructSchema, a));
  });

  it("leaves the request itself untouched", () => {
    const a = create(StructSchema, { fields: { b: text("2"), a: text("1") } });
    requestFingerprint("s/M", StructSchema, a);
    expect(Object.keys(a.fields)).toEqual(["b", "a"]);
  });
});
