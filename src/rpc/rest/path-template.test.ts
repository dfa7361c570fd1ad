import { describe, expect, it } from "vitest";
import { comparePathTemplates, matchPathTemplate, parsePathTemplate, splitRequestPath } from "./path-template.js";

const match = (template: string, path: string) => {
  const values = matchPathTemplate(parsePathTemplate(template), splitRequestPath(path));
  return values && Object.fromEntries(values);
};

describe("parsePathTemplate", () => {
  it("parses literals, variables, nested field paths and the verb", () => {
    const t = parsePathTemplate("/v1/mandates/{mandate.id}:cancel");
    expect(t.segments).toEqual([
      { kind: "literal", value: "v1" },
      { kind: "literal", value: "mandates" },
      { kind: "single" },
    ]);
    expect(t.variables).toEqual([{ fieldPath: ["mandate", "id"], start: 2, end: 3 }]);
    expect(t.verb).toBe("cancel");
  });

  it("parses a variable with its own segments", () => {
    const t = parsePathTemplate("/v1/{name=projects/*/files/**}");
    expect(t.variables).toEqual([{ fieldPath: ["name"], start: 1, end: 5 }]);
    expect(t.segments.map((s) => s.kind)).toEqual(["literal", "literal", "single", "literal", "multi"]);
  });

  it.each([
    ["v1/mandates", "must start with '/'"],
    ["/v1/{id", "unbalanced"],
    ["/v1/{a={b}}", "nested"],
    ["/v1/**/x", "'**' must be the last segment"],
    ["/v1/{id}/{id}", "bound twice"],
    ["/v1/{1id}", "bad field path"],
    ["/v1//x", "bad segment"],
    ["/v1/x:", "verb"],
  ])("refuses %s", (template, why) => {
    expect(() => parsePathTemplate(template)).toThrow(why);
  });
});

describe("matchPathTemplate", () => {
  it("matches literals exactly", () => {
    expect(match("/v1/sessions/current", "/v1/sessions/current")).toEqual({});
    expect(match("/v1/sessions/current", "/v1/sessions/other")).toBeUndefined();
    expect(match("/v1/sessions/current", "/v1/sessions/current/x")).toBeUndefined();
  });

  it("binds a single-segment variable, never an empty one", () => {
    expect(match("/v1/mandates/{mandate_id}", "/v1/mandates/MD123")).toEqual({ mandate_id: "MD123" });
    expect(match("/v1/mandates/{mandate_id}", "/v1/mandates/")).toBeUndefined();
    expect(match("/v1/mandates/{mandate_id}", "/v1/mandates/a/b")).toBeUndefined();
  });

  it("binds nested field paths by their dotted name", () => {
    expect(match("/v1/mandates/{mandate.id}", "/v1/mandates/MD1")).toEqual({ "mandate.id": "MD1" });
  });

  it("does not let a variable swallow the custom verb", () => {
    expect(match("/v1/mandates/{mandate_id}:cancel", "/v1/mandates/MD1:cancel")).toEqual({ mandate_id: "MD1" });
    expect(match("/v1/mandates/{mandate_id}:cancel", "/v1/mandates/MD1:suspend")).toBeUndefined();
    expect(match("/v1/mandates/{mandate_id}:cancel", "/v1/mandates/MD1")).toBeUndefined();
    expect(match("/v1/sessions:signIn", "/v1/sessions:signIn")).toEqual({});
  });

  it("matches a verb-less template only on a path without a verb", () => {
    expect(match("/v1/mandates/{mandate_id}", "/v1/mandates/MD1:cancel")).toBeUndefined();
    // An id that holds a colon is sent percent-encoded, as single-segment variables require.
    expect(match("/v1/mandates/{mandate_id}", "/v1/mandates/MD1%3Acancel")).toEqual({ mandate_id: "MD1:cancel" });
  });

  it("percent-decodes a single-segment variable fully", () => {
    expect(match("/v1/x/{id}", "/v1/x/a%2Fb%20c%C3%A9")).toEqual({ id: "a/b cé" });
  });

  it("leaves %2F encoded in a multi-segment variable", () => {
    expect(match("/v1/{name=files/**}", "/v1/files/a/b%2Fc/d%20e")).toEqual({ name: "files/a/b%2Fc/d e" });
  });

  it("matches '*' as one segment and '**' as zero or more", () => {
    expect(match("/v1/*/items", "/v1/any/items")).toEqual({});
    expect(match("/v1/*/items", "/v1/a/b/items")).toBeUndefined();
    expect(match("/v1/{path=**}", "/v1/a/b/c")).toEqual({ path: "a/b/c" });
    expect(match("/v1/{path=**}", "/v1")).toEqual({ path: "" });
    expect(match("/v1/{path=**}:get", "/v1/a/b:get")).toEqual({ path: "a/b" });
  });

  it("compares literals decoded, so an encoded literal still matches", () => {
    expect(match("/v1/sessions/current", "/v1/sessions/%63urrent")).toEqual({});
  });
});

describe("comparePathTemplates", () => {
  const order = (...templates: string[]) =>
    templates
      .map(parsePathTemplate)
      .sort(comparePathTemplates)
      .map((t) => t.source);

  it("puts literal segments before variables and '**' last", () => {
    expect(order("/v1/{path=**}", "/v1/mandates/{id}", "/v1/mandates/current")).toEqual([
      "/v1/mandates/current",
      "/v1/mandates/{id}",
      "/v1/{path=**}",
    ]);
  });

  it("puts a template with a verb before one without", () => {
    expect(order("/v1/{path=**}", "/v1/{path=**}:get")).toEqual(["/v1/{path=**}:get", "/v1/{path=**}"]);
  });

  it("puts an exact template before a longer one ending in '**'", () => {
    expect(order("/v1/x/**", "/v1/x")).toEqual(["/v1/x", "/v1/x/**"]);
  });
});
