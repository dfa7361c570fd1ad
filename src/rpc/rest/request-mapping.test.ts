import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { createRequestMapping, InvalidRequestError } from "./request-mapping.js";
import { ProbeSchema } from "./test-fixture.js";

/** Maps a query string alone (no path variables, no body) and checks the handler could parse it. */
function fromQuery(query: string) {
  const json = createRequestMapping(ProbeSchema, [], "").toJson({
    pathValues: new Map(),
    query: new URLSearchParams(query),
    body: undefined,
  });
  fromJson(ProbeSchema, json); // what the Connect handler does next
  return json;
}

function queryError(query: string): InvalidRequestError {
  try {
    fromQuery(query);
  } catch (e) {
    if (e instanceof InvalidRequestError) return e;
    throw e;
  }
  throw new Error(`no error for ${query}`);
}

describe("query parameters", () => {
  it.each<[string, string, JsonValue]>([
    ["string", "text=hello%20world", "hello world"],
    ["int32 as a number", "i32=-42", -42],
    ["uint32 as a number", "u32=4294967295", 4294967295],
    ["sint32 as a number", "s32=7", 7],
    ["int64 kept as a string", "i64=-9223372036854775808", "-9223372036854775808"],
    ["uint64 kept as a string", "u64=18446744073709551615", "18446744073709551615"],
    ["fixed64 kept as a string", "f64=12", "12"],
    ["bool true", "flag=true", true],
    ["bool false", "flag=false", false],
    ["float", "ratio=0.25", 0.25],
    ["double with exponent", "amount=-1.5e3", -1500],
    ["double NaN", "amount=NaN", "NaN"],
    ["bytes as base64", "blob=aGk%3D", "aGk="],
    ["bytes whose '+' arrived as a space", "blob=a+b/", "a+b/"],
    ["enum by name", "color=COLOR_RED", "COLOR_RED"],
    ["enum by number", "color=2", 2],
  ])("types %s", (_, query, expected) => {
    const json = fromQuery(query);
    expect(Object.values(json)).toEqual([expected]);
  });

  it("accepts the proto name and the lowerCamelCase JSON name", () => {
    expect(fromQuery("probe_id=P1")).toEqual({ probeId: "P1" });
    expect(fromQuery("probeId=P1")).toEqual({ probeId: "P1" });
  });

  it("collects a repeated field from repeated parameters", () => {
    expect(fromQuery("colors=COLOR_RED&colors=1&tags=a,b&tags=c")).toEqual({
      colors: ["COLOR_RED", 1],
      tags: ["a,b", "c"],
    });
    expect(fromQuery("ids=1&ids=9007199254740993")).toEqual({ ids: ["1", "9007199254740993"] });
  });

  it("sets nested fields from dotted names", () => {
    expect(fromQuery("inner.email=a%40b.co&inner.displayName=Ann&inner.child.color=COLOR_GREEN")).toEqual({
      inner: { email: "a@b.co", displayName: "Ann", child: { color: "COLOR_GREEN" } },
    });
  });

  it("takes Timestamp, Duration and wrappers in their JSON forms", () => {
    expect(fromQuery("create_time=2024-01-31T12:00:00Z&ttl=1.5s&limit=10")).toEqual({
      createTime: "2024-01-31T12:00:00Z",
      ttl: "1.5s",
      limit: 10,
    });
  });

  it("turns a snake_case FieldMask into the lowerCamelCase JSON form", () => {
    expect(fromQuery("update_mask=reference,inner.display_name,inner.child.email")).toEqual({
      updateMask: "reference,inner.displayName,inner.child.email",
    });
  });

  it("names an unknown parameter", () => {
    const e = queryError("state=ACTIVE");
    expect(e.field).toBe("state");
    expect(e.message).toContain('unknown query parameter "state"');
  });

  it("names a nested unknown parameter", () => {
    expect(queryError("inner.nope=1").message).toContain('unknown query parameter "inner.nope"');
  });

  it.each([
    ["i32=12abc", "i32", "an integer (int32)"],
    ["i32=2147483648", "i32", "int32 range"],
    ["u32=-1", "u32", "uint32"],
    ["i64=1.5", "i64", "int64"],
    ["u64=18446744073709551616", "u64", "uint64 range"],
    ["flag=yes", "flag", '"true" or "false"'],
    ["flag=1", "flag", '"true" or "false"'],
    ["amount=1e999", "amount", "a number"],
    ["amount=", "amount", "a number"],
    ["ratio=1e39", "ratio", "float range"],
    ["blob=!!", "blob", "base64"],
    ["color=COLOR_BLUE", "color", "COLOR_RED"],
    ["color=9", "color", "or its number"],
    ["colors=COLOR_RED,COLOR_GREEN", "colors", "repeat the parameter"],
    ["create_time=yesterday", "create_time", "RFC 3339"],
    ["ttl=5m", "ttl", "duration"],
    ["limit=x", "limit", "int32"],
  ])("refuses %s naming the parameter", (query, field, expected) => {
    const e = queryError(query);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`"${field}"`);
    expect(e.message).toContain(expected);
  });

  it("refuses a singular field given twice", () => {
    expect(queryError("text=a&text=b").message).toContain("given 2 times");
  });

  it("refuses a message, a map and a repeated message as query values", () => {
    expect(queryError("inner=x").message).toContain("set its fields instead");
    expect(queryError("labels=x").message).toContain("map field");
    expect(queryError("inners=x").message).toContain("repeated message");
  });
});

describe("path variables and bodies", () => {
  it("puts path variables into nested fields, typed", () => {
    const m = createRequestMapping(ProbeSchema, ["inner.email", "i32"], "");
    expect(
      m.toJson({
        pathValues: new Map([
          ["inner.email", "a@b"],
          ["i32", "5"],
        ]),
        query: new URLSearchParams(),
        body: undefined,
      }),
    ).toEqual({
      inner: { email: "a@b" },
      i32: 5,
    });
  });

  it("names a badly typed path variable", () => {
    const m = createRequestMapping(ProbeSchema, ["i32"], "");
    expect(() =>
      m.toJson({ pathValues: new Map([["i32", "x"]]), query: new URLSearchParams(), body: undefined }),
    ).toThrow("path variable {i32}");
  });

  it('with body "*", takes the body as the request and lets the path win', () => {
    const m = createRequestMapping(ProbeSchema, ["probe_id"], "*");
    const json = m.toJson({
      pathValues: new Map([["probe_id", "P1"]]),
      query: new URLSearchParams(),
      body: { probe_id: "P2", text: "hi" },
    });
    expect(json).toEqual({ text: "hi", probeId: "P1" });
  });

  it('with body "*", refuses query parameters and a body that is not an object', () => {
    const m = createRequestMapping(ProbeSchema, [], "*");
    expect(() => m.toJson({ pathValues: new Map(), query: new URLSearchParams("text=a"), body: {} })).toThrow(
      'unknown query parameter "text"',
    );
    expect(() => m.toJson({ pathValues: new Map(), query: new URLSearchParams(), body: [1] })).toThrow("JSON object");
  });

  it("with a body field, puts the body there and path variables inside it", () => {
    const m = createRequestMapping(ProbeSchema, ["inner.email"], "inner");
    const json = m.toJson({
      pathValues: new Map([["inner.email", "a@b"]]),
      query: new URLSearchParams("update_mask=display_name"),
      body: { display_name: "Ann" },
    });
    // Body keys go on as sent: the handler accepts proto and JSON names alike.
    expect(json).toEqual({ inner: { display_name: "Ann", email: "a@b" }, updateMask: "displayName" });
    fromJson(ProbeSchema, json);
  });

  it("refuses a query parameter for a field the body or path already sets", () => {
    const m = createRequestMapping(ProbeSchema, ["probe_id"], "inner");
    const run = (q: string) => () =>
      m.toJson({ pathValues: new Map([["probe_id", "P"]]), query: new URLSearchParams(q), body: {} });
    expect(run("inner.email=x")).toThrow("set by the URL path or body");
    expect(run("probeId=x")).toThrow("set by the URL path or body");
  });

  it("refuses bindings to fields the message does not have, at build time", () => {
    expect(() => createRequestMapping(ProbeSchema, ["nope"], "")).toThrow("has no field");
    expect(() => createRequestMapping(ProbeSchema, ["inner"], "")).toThrow("singular scalar or enum");
    expect(() => createRequestMapping(ProbeSchema, [], "nope")).toThrow("does not exist");
  });
});
