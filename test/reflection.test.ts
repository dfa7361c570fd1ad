/**
 * gRPC server reflection, as grpcurl and `buf curl --reflect` use it, through a real @grpc/grpc-js
 * bidirectional stream.
 */
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ServerReflection,
  type ServerReflectionRequest,
  ServerReflectionRequestSchema,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ddServices } from "../src/routes.js";
import { grpcJsClient } from "./support/clients.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let client: grpc.Client;

beforeAll(async () => {
  server = await startTestServer();
  client = grpcJsClient(server.port);
});
afterAll(async () => {
  client?.close();
  await server?.close();
});

/** reflect sends the requests on one stream and collects one response per request. */
function reflect(
  requests: MessageInitShape<typeof ServerReflectionRequestSchema>["messageRequest"][],
): Promise<ServerReflectionResponse[]> {
  const method = ServerReflection.method.serverReflectionInfo;
  const call = client.makeBidiStreamRequest(
    `/${ServerReflection.typeName}/${method.name}`,
    (value: ServerReflectionRequest) => Buffer.from(toBinary(ServerReflectionRequestSchema, value)),
    (bytes: Buffer) => fromBinary(ServerReflectionResponseSchema, bytes),
  );
  const responses: ServerReflectionResponse[] = [];
  return new Promise((resolve, reject) => {
    call.on("data", (res: ServerReflectionResponse) => responses.push(res));
    call.on("error", reject);
    call.on("end", () => resolve(responses));
    for (const messageRequest of requests) call.write(create(ServerReflectionRequestSchema, { messageRequest }));
    call.end();
  });
}

describe("server reflection", () => {
  it("lists every dd.v1 service, health and reflection", async () => {
    const [res] = await reflect([{ case: "listServices", value: "" }]);
    expect(res?.messageResponse.case).toBe("listServicesResponse");
    const names =
      res?.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
    for (const service of ddServices) expect(names).toContain(service.typeName);
    expect(names).toContain("grpc.health.v1.Health");
  });

  it("describes a method's file with its imports, once per stream", async () => {
    const [first, second] = await reflect([
      { case: "fileContainingSymbol", value: "dd.v1.MandateService.GetMandate" },
      { case: "fileContainingSymbol", value: "dd.v1.Mandate" },
    ]);
    const files = (res: ServerReflectionResponse | undefined) =>
      res?.messageResponse.case === "fileDescriptorResponse"
        ? res.messageResponse.value.fileDescriptorProto.map(
            (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
          )
        : [];
    const firstFiles = files(first);
    expect(firstFiles).toContain("dd/v1/mandates.proto");
    expect(firstFiles).toContain("dd/v1/access.proto");
    expect(firstFiles).toContain("google/protobuf/descriptor.proto");
    // The imports went with the first answer; the second sends the requested file alone.
    expect(files(second)).toEqual(["dd/v1/mandates.proto"]);
  });

  it("answers an unknown symbol with an error response, not a broken stream", async () => {
    const [res] = await reflect([{ case: "fileContainingSymbol", value: "dd.v1.NoSuchThing" }]);
    expect(res?.messageResponse.case).toBe("errorResponse");
    if (res?.messageResponse.case === "errorResponse") expect(res.messageResponse.value.errorCode).toBe(5);
  });

  it("finds the dd.v1.access extension of MethodOptions", async () => {
    const [numbers, file] = await reflect([
      { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" },
      {
        case: "fileContainingExtension",
        value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 51001 },
      },
    ]);
    expect(
      numbers?.messageResponse.case === "allExtensionNumbersResponse" && numbers.messageResponse.value.extensionNumber,
    ).toContain(51001);
    expect(file?.messageResponse.case).toBe("fileDescriptorResponse");
  });
});
