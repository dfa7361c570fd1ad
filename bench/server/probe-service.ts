/**
 * probe-service.ts builds bench.v1.ProbeService, a one-method service that exists only for the
 * bench: Ping (Empty → Empty) declared with scope mandates:read and a REST route, so a row can time
 * the whole API-key pipeline (authenticate → authorize → tenant scope) on a call that succeeds, with
 * no domain work in the way. The bare baseline serves the same method with no interceptors.
 */
import { create, createFileRegistry, type DescMethodUnary, type DescService, setExtension } from "@bufbuild/protobuf";
import {
  type EmptySchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_empty,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { AccessRuleSchema, access, Scope } from "../../gen/dd/v1/access_pb.js";
import { http } from "../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/google/api/http_pb.js";

/** The REST route of Ping. */
export const probeRestPath = "/v1/bench/ping";

function buildProbeService(): DescService {
  const options = create(MethodOptionsSchema);
  setExtension(options, access, create(AccessRuleSchema, { rule: { case: "scope", value: Scope.MANDATES_READ } }));
  setExtension(options, http, create(HttpRuleSchema, { pattern: { case: "get", value: probeRestPath } }));
  const file = create(FileDescriptorProtoSchema, {
    name: "bench/v1/probe.proto",
    package: "bench.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/empty.proto"],
    service: [
      {
        name: "ProbeService",
        method: [{ name: "Ping", inputType: ".google.protobuf.Empty", outputType: ".google.protobuf.Empty", options }],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === "google/protobuf/empty.proto" ? file_google_protobuf_empty : undefined,
  );
  const service = registry.getService("bench.v1.ProbeService");
  if (!service) throw new Error("bench.v1.ProbeService was not built");
  return service;
}

/** ProbeService is bench.v1.ProbeService. */
export const ProbeService = buildProbeService();

/** ping is ProbeService.Ping, typed for router.rpc and the request builders. */
export const ping = ProbeService.methods[0] as DescMethodUnary<typeof EmptySchema, typeof EmptySchema>;
