import { describe, expect, it } from "vitest";
import { Health } from "../../../gen/health/v1/health_pb.js";
import { InvalidRequestError } from "./request-mapping.js";
import { createRouteTable, httpBindings } from "./route-table.js";
import { BrokenService, ProbeService } from "./test-fixture.js";

const table = createRouteTable(ProbeService.methods, [
  { binding: { verb: "GET", path: "/healthz", body: "" }, method: Health.method.check },
]);
const methodOf = (verb: string, path: string) => {
  const m = table.match(verb, path);
  return m.kind === "found" ? `${m.route.method.name} ${JSON.stringify(Object.fromEntries(m.pathValues))}` : m;
};

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
  it("finds the route and its path values", () => {
    expect(methodOf("GET", "/v1/probes/P1")).toBe('GetProbe {"probe_id":"P1"}');
    expect(methodOf("GET", "/v1/probes")).toBe("ListProbes {}");
    expect(methodOf("POST", "/v1/probes/P1:cancel")).toBe('CancelProbe {"probe_id":"P1"}');
    expect(methodOf("GET", "/v1/files/a/b")).toBe('GetFile {"text":"files/a/b"}');
    expect(methodOf("POST", "/v2/files/x")).toBe('GetFile {"text":"x"}');
    expect(methodOf("GET", "/healthz")).toBe("Check {}");
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
