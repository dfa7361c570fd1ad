/**
 * reflection.ts serves grpc.reflection.v1.ServerReflection, so grpcurl and `buf curl --reflect` can
 * list our services and describe every message without the .proto files. Descriptors come from the
 * generated code's embedded FileDescriptorProtos; each stream sends a file (and its imports) once.
 */
import {
  create,
  type DescExtension,
  type DescFile,
  type DescMessage,
  type DescService,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflectionResponseSchema,
} from "../../../gen/grpc/reflection/v1/reflection_pb.js";

/** DescriptorIndex finds the file that defines a symbol, a file by name, or an extension. */
class DescriptorIndex {
  readonly byFileName = new Map<string, DescFile>();
  readonly bySymbol = new Map<string, DescFile>();
  readonly extensionsOf = new Map<string, DescExtension[]>();

  constructor(readonly services: readonly DescService[]) {
    for (const service of services) this.addFile(service.file);
  }

  private addFile(file: DescFile): void {
    const name = file.proto.name;
    if (this.byFileName.has(name)) return;
    this.byFileName.set(name, file);
    for (const dependency of file.dependencies) this.addFile(dependency);
    for (const e of file.enums) this.bySymbol.set(e.typeName, file);
    for (const m of file.messages) this.addMessage(file, m);
    for (const x of file.extensions) this.addExtension(file, x);
    for (const s of file.services) {
      this.bySymbol.set(s.typeName, file);
      for (const m of s.methods) this.bySymbol.set(`${s.typeName}.${m.name}`, file);
    }
  }

  private addMessage(file: DescFile, message: DescMessage): void {
    this.bySymbol.set(message.typeName, file);
    for (const e of message.nestedEnums) this.bySymbol.set(e.typeName, file);
    for (const m of message.nestedMessages) this.addMessage(file, m);
    for (const x of message.nestedExtensions) this.addExtension(file, x);
  }

  private addExtension(file: DescFile, extension: DescExtension): void {
    this.bySymbol.set(extension.typeName, file);
    const list = this.extensionsOf.get(extension.extendee.typeName) ?? [];
    list.push(extension);
    this.extensionsOf.set(extension.extendee.typeName, list);
  }
}

/** registerReflection serves reflection for the given services (and everything they import). */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const index = new DescriptorIndex(services);
  router.service(ServerReflection, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const request of requests) yield answer(index, request, sent);
    },
  });
}

function answer(index: DescriptorIndex, request: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse {
  const respond = (messageResponse: MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"]) =>
    create(ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse });
  const notFound = (what: string) =>
    respond({ case: "errorResponse", value: { errorCode: 5, errorMessage: `${what} not found` } });
  const files = (file: DescFile | undefined, what: string) =>
    file
      ? respond({ case: "fileDescriptorResponse", value: { fileDescriptorProto: withImports(file, sent) } })
      : notFound(what);

  const req = request.messageRequest;
  switch (req.case) {
    case "listServices":
      return respond({
        case: "listServicesResponse",
        value: { service: index.services.map((s) => ({ name: s.typeName })) },
      });
    case "fileByFilename":
      return files(index.byFileName.get(req.value), `file ${req.value}`);
    case "fileContainingSymbol":
      return files(index.bySymbol.get(req.value), `symbol ${req.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = req.value;
      const extension = index.extensionsOf.get(containingType)?.find((x) => x.number === extensionNumber);
      return files(extension?.file, `extension ${extensionNumber} of ${containingType}`);
    }
    case "allExtensionNumbersOfType": {
      const extensions = index.extensionsOf.get(req.value);
      if (!extensions && !index.bySymbol.has(req.value)) return notFound(`type ${req.value}`);
      return respond({
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: req.value, extensionNumber: (extensions ?? []).map((x) => x.number) },
      });
    }
    default:
      return respond({ case: "errorResponse", value: { errorCode: 3, errorMessage: "empty reflection request" } });
  }
}

/** withImports serialises the file and the imports this stream has not sent yet, imports first. */
function withImports(file: DescFile, sent: Set<string>): Uint8Array[] {
  const out: Uint8Array[] = [];
  const visit = (f: DescFile) => {
    if (sent.has(f.proto.name)) return;
    sent.add(f.proto.name);
    for (const dependency of f.dependencies) visit(dependency);
    out.push(toBinary(FileDescriptorProtoSchema, f.proto));
  };
  // The requested file is always sent, even if this stream sent it before.
  sent.delete(file.proto.name);
  visit(file);
  return out;
}
