import { describe, expect, it } from "vitest";
import committed from "../../../openapi/openapi.json" with { type: "json" };
import { ddServices } from "../../routes.js";
import { healthRoute } from "../../rpc/infrastructure/health.js";
import { createRouteTable, httpBindings } from "../../rpc/rest/route-table.js";
import { openApiDocument } from "./openapi-document.js";

type Json = Record<string, any>;

// From the compiled descriptors (no comments): the shape is the committed document's.
const extraRoutes = [{ ...healthRoute, description: "" }];
const document: Json = openApiDocument({ services: ddServices, extraRoutes, describe: () => "", version: "v1" });
const operation = (path: string, verb: string): Json => document.paths[path]?.[verb];
const parameter = (op: Json, name: string): Json | undefined => op.parameters?.find((p: Json) => p.name === name);
const schemas: Json = document.components.schemas;

describe("the OpenAPI document", () => {
  it("has one operation for every REST route the server serves, and no other", () => {
    // The server's table: the contract's bindings and GET /healthz (server.ts).
    const routes = createRouteTable(
      ddServices.flatMap((s) => s.methods),
      [{ binding: { verb: healthRoute.verb, path: healthRoute.path, body: "" }, method: healthRoute.method }],
    ).routes;
    const bound = ddServices.flatMap((s) =>
      s.methods.flatMap((m) =>
        httpBindings(m).map(
          (b) =>
            `${b.verb} ${b.path.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_, f: string) => `{${f.replace(".", "_")}}`)} ${s.name}_${m.name}`,
        ),
      ),
    );
    const documented = Object.entries(document.paths).flatMap(([path, verbs]) =>
      Object.entries(verbs as Json).map(([verb, op]) => `${verb.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(documented.sort()).toEqual([...bound, "GET /healthz Health_Check"].sort());
    expect(documented).toHaveLength(routes.length);
  });

  it("is the committed openapi/openapi.json but for the descriptions (npm run generate writes it)", () => {
    const withoutText = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value), (key, v) => (key === "description" || key === "summary" ? undefined : v));
    expect(withoutText(committed)).toEqual(withoutText(document));
    expect((committed as Json).paths["/v1/mandates"].get.summary).toBe(
      "Lists the organisation's mandates, newest first (by create_time).",
    );
  });

  it("refers only to schemas it holds", () => {
    const refs = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) for (const item of value) walk(item);
      else if (value !== null && typeof value === "object")
        for (const [key, item] of Object.entries(value)) {
          if (key === "$ref" && typeof item === "string") refs.add(item);
          else walk(item);
        }
    };
    walk(document);
    const missing = [...refs].filter((ref) => !(ref.replace("#/components/schemas/", "") in schemas));
    expect(refs.size).toBeGreaterThan(50);
    expect(missing).toEqual([]);
    // A delete answers google.protobuf.Empty, written in place.
    expect(operation("/v1/webhookEndpoints/{webhook_endpoint_id}", "delete").responses["200"].content).toEqual({
      "application/json": { schema: { type: "object", additionalProperties: false } },
    });
  });

  it("names path and query parameters by their snake_case field paths", () => {
    // One path for GET and PATCH: the PATCH's mandate.id is the path's mandate_id.
    const update = operation("/v1/mandates/{mandate_id}", "patch");
    expect(parameter(update, "mandate_id")).toMatchObject({ in: "path", required: true });
    expect(parameter(update, "update_mask")).toMatchObject({ in: "query", schema: { type: "string" } });
    const list = operation("/v1/collections", "get");
    for (const name of ["page_size", "page_token", "mandate_id", "schedule_id"])
      expect(parameter(list, name), name).toMatchObject({ in: "query" });
    expect(parameter(list, "state")).toMatchObject({ schema: { type: "array" }, explode: true });
    // The body is the request's `mandate` field; nothing of it is also a query parameter.
    const create = operation("/v1/mandates", "post");
    expect(create.requestBody.content["application/json"].schema.allOf[0].$ref).toBe(
      "#/components/schemas/dd.v1.Mandate",
    );
  });

  it("asks of a body only what the server requires: a PATCH its masked fields, a path's id not again", () => {
    const patch = operation("/v1/collectionSchedules/{schedule_id}", "patch");
    expect(patch.requestBody.content["application/json"].schema.required).toBeUndefined();
    expect(parameter(patch, "update_mask")).toMatchObject({ in: "query", required: true });
    const cancel = operation("/v1/mandates/{mandate_id}:cancel", "post");
    expect(cancel.requestBody.required).toBe(false);
    expect(cancel.requestBody.content["application/json"].schema.properties).not.toHaveProperty("mandateId");
  });

  it("writes values in the proto3 JSON mapping: int64 as strings, enums by name, times as RFC 3339", () => {
    const collection = schemas["dd.v1.Collection"].properties;
    expect(collection.amountMinor).toMatchObject({ type: "string", format: "int64" });
    expect(collection.chargeDate).toMatchObject({ type: "string" });
    expect(collection.createTime).toMatchObject({ type: "string", format: "date-time", readOnly: true });
    expect(schemas["dd.v1.CollectionState"].enum).toContain("COLLECTION_STATE_PAID_OUT");
    expect(schemas["dd.v1.Mandate"].properties.metadata).toMatchObject({
      type: "object",
      additionalProperties: { type: "string" },
    });
    expect(schemas.Error.required).toEqual(["code", "message", "details"]);
  });

  it("says who may call each operation, and offers Idempotency-Key on every write", () => {
    const get = operation("/v1/mandates/{mandate_id}", "get");
    expect(get).toMatchObject({
      "x-dd-scope": "mandates:read",
      security: [{ apiKey: ["mandates:read"] }, { session: ["mandates:read"] }],
    });
    expect(parameter(get, "Idempotency-Key")).toBeUndefined();
    expect(parameter(operation("/v1/mandates", "post"), "Idempotency-Key")).toMatchObject({ in: "header" });
    expect(operation("/v1/apiKeys", "post")).toMatchObject({ security: [{ session: ["admin"] }] });
    // Where the server refuses the header, the document does not offer it.
    for (const [path, verb] of [
      ["/v1/apiKeys", "post"],
      ["/v1/sessions:signIn", "post"],
      ["/v1/mandateInvites/{invite_token}", "get"],
    ] as const)
      expect(parameter(operation(path, verb), "Idempotency-Key"), path).toBeUndefined();
    expect(operation("/v1/bankDetails:validate", "post").security).toEqual([]);
    expect(operation("/v1/mandates", "get").responses["429"].headers).toHaveProperty("Retry-After");
  });
});
