/**
 * protoc-gen-dd-openapi is the buf plugin (buf.gen.yaml) that writes openapi/openapi.json: the
 * OpenAPI 3.1 document of the REST surface of the dd.* services it is given, their proto comments
 * as descriptions (openapi-document.ts). `npm run generate` runs it with protoc-gen-es; CI checks
 * the committed file is what it writes.
 */
import { create, createFileRegistry, type DescService } from "@bufbuild/protobuf";
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { getComments, type Plugin, runNodeJs } from "@bufbuild/protoplugin";
import { openApiDocument } from "../src/api/openapi/openapi-document.js";
import { healthRoute } from "../src/rpc/infrastructure/health.js";

/** comment is an element's leading comment as prose: the space after each `//` dropped, trimmed. */
function comment(desc: Parameters<typeof getComments>[0]): string {
  const leading = getComments(desc).leading ?? "";
  return leading
    .split("\n")
    .map((line) => line.replace(/^ /, ""))
    .join("\n")
    .trim();
}

const plugin: Plugin = {
  name: "protoc-gen-dd-openapi",
  version: "v1",
  run(request) {
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
    const services: DescService[] = request.fileToGenerate
      .map((name) => registry.getFile(name))
      .filter((file) => file?.proto.package.startsWith("dd."))
      .flatMap((file) => file?.services ?? []);
    const health = {
      ...healthRoute,
      description:
        "The server's health, for load balancers that speak plain HTTP: SERVING once started and while its database answers, NOT_SERVING otherwise (and from the start of a shutdown). Public.",
    };
    const document = openApiDocument({ services, extraRoutes: [health], describe: comment, version: "v1" });
    return create(CodeGeneratorResponseSchema, {
      supportedFeatures: BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL),
      file: [{ name: "openapi.json", content: `${JSON.stringify(document, null, 2)}\n` }],
    });
  },
};

runNodeJs(plugin);
