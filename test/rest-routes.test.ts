/**
 * Every google.api.http route of the contract is reachable on the real server: it reaches its RPC
 * (and so the interceptor chain) rather than answering 404 or 405.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ddServices } from "../src/routes.js";
import { accessRuleOf } from "../src/rpc/access.js";
import { httpBindings } from "../src/rpc/rest/index.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => (server = await startTestServer()));
afterAll(async () => server?.close());

const routes = ddServices.flatMap((service) =>
  service.methods.flatMap((method) => httpBindings(method).map((binding) => ({ method, binding }))),
);

describe("the contract's REST routes", () => {
  it("number one per RPC at least", () => {
    const rpcs = ddServices.reduce((n, s) => n + s.methods.length, 0);
    expect(new Set(routes.map((r) => r.method)).size).toBe(rpcs);
  });

  it.each(routes.map((r) => [`${r.binding.verb} ${r.binding.path}`, r] as const))(
    "%s reaches its RPC",
    async (_, { method, binding }) => {
      const path = binding.path.replace(/\{[^}]+\}/g, "XX0000000000000000000000000");
      const res = await fetch(`${server.baseUrl}${path}`, {
        method: binding.verb,
        ...(binding.body === "" ? {} : { headers: { "content-type": "application/json" }, body: "{}" }),
      });
      const body = (await res.json()) as { code: string };
      // Public RPCs reach their handler, which refuses the empty request; the rest stop at authentication.
      const expected = accessRuleOf(method)?.kind === "public" ? [400, 404] : [401];
      expect(expected, `${res.status} ${JSON.stringify(body)}`).toContain(res.status);
      // The request log names the RPC: the route went through the interceptor chain.
      expect(server.logs.some((l) => l.method === method.name && l.service === method.parent.typeName)).toBe(true);
    },
  );

  it("answers 404 for an unknown path and 405 with Allow for a known path with the wrong method", async () => {
    const unknown = await fetch(`${server.baseUrl}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("not_found");
    const wrong = await fetch(`${server.baseUrl}/v1/mandates/MD1`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("GET");
  });
});
