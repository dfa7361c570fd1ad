import { describe, expect, it } from "vitest";
import { Health } from "../../../gen/health/v1/health_pb.js";
import { InvalidRequestError } from "./request-mapping.js";
import { createRouteTable, httpBindings } from "./route-table.js";
import { BrokenService, ProbeService } from "./test-fixture.js";

const table = createRouteTable(ProbeService.methods, [
  { binding: { verb: "GET", path: "/healthz", body: "" }, method: Health.method.check },
]);

describe("httpBindings", () => {
  it("reads get/post/patch/delete, custom and additional_bindings", () => {
    const byName = Object.fromEntries(ProbeService.methods.map((m) => [m.name, httpBindings(m)]));
    expect(byName.UpdateProbe).toEqual([{ verb: "PATCH", path: "/v1/probes/{inner.email}", body: "inner" }]);
    expect(byName.DeleteProbe).toEqual([{ verb: "DELETE", path: "/v1/probes/{probe_id}", body: "" }]);
    expect(byName.GetFile).toEqual([
      { verb: "GET", path: "/v1/{text=files/**}", body: "" },
      { verb: "POST", path: "/v2/files/{text}", body: "*" },
    ]);
  });

  it("answers nothing for a method without the option", () => {
    expect(httpBindings(Health.method.check)).toEqual([]);
  });

  it("refuses response_body at start-up", () => {
    expect(() => createRouteTable(BrokenService.methods)).toThrow("response_body is not supported");
  });
});

describe("createRouteTable", () => {
  // [verb, path, the method routed to, its path values]
  it.each([
    ["GET", "/v1/probes/P1", "GetProbe", { probe_id: "P1" }],
    ["GET", "/v1/probes", "ListProbes", {}],
    ["POST", "/v1/probes/P1:cancel", "CancelProbe", { probe_id: "P1" }],
    ["GET", "/v1/files/a/b", "GetFile", { text: "files/a/b" }],
    ["POST", "/v2/files/x", "GetFile", { text: "x" }],
    ["GET", "/healthz", "Check", {}],
  ])("finds the route of %s %s and its path values", (verb, path, method, pathValues) => {
    const m = table.match(verb, path);
    expect(m.kind === "found" && [m.route.method.name, Object.fromEntries(m.pathValues)]).toEqual([method, pathValues]);
  });

  it("answers method-not-allowed with every verb of the path", () => {
    expect(table.match("PUT", "/v1/probes/P1")).toEqual({
      kind: "method-not-allowed",
      allow: ["GET", "PATCH", "DELETE"],
    });
    expect(table.match("GET", "/v1/probes/P1:cancel")).toEqual({ kind: "method-not-allowed", allow: ["POST"] });
  });

  it("answers not-found for an unknown path or verb", () => {
    expect(table.match("GET", "/v1/nothing")).toEqual({ kind: "not-found" });
    expect(table.match("POST", "/v1/probes/P1:explode")).toEqual({ kind: "not-found" });
  });

  it("refuses a path with malformed percent-encoding", () => {
    expect(() => table.match("GET", "/v1/probes/%E0%A4")).toThrow(InvalidRequestError);
  });

  it("refuses two routes with the same verb and path shape", () => {
    const getProbe = ProbeService.methods.find((m) => m.name === "GetProbe")!;
    expect(() =>
      createRouteTable(ProbeService.methods, [
        { binding: { verb: "GET", path: "/v1/probes/{text}", body: "" }, method: getProbe },
      ]),
    ).toThrow("clashes with rest.test.v1.ProbeService.GetProbe");
  });

  it("refuses a streaming method", () => {
    expect(() =>
      createRouteTable([], [{ binding: { verb: "GET", path: "/watch", body: "" }, method: Health.method.watch }]),
    ).toThrow("only unary methods");
  });
});
