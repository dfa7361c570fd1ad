/**
 * test-fixture.ts builds, in code, a small proto package `rest.test.v1` for the transcoder's
 * tests: one message with every scalar kind, an enum, repeated, nested and well-known-type fields,
 * and a service with google.api.http annotations of every shape the transcoder supports. Our
 * contract has no such all-kinds message, and building the descriptor here keeps the tests
 * independent of proto/ and gen/ changes. Test support only; nothing in the server imports it.
 */
import {
  create,
  createFileRegistry,
  type DescFile,
  type DescMessage,
  type DescService,
  type MessageInitShape,
  setExtension,
} from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import {
  type FieldDescriptorProto,
  type FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  file_google_protobuf_duration,
  file_google_protobuf_field_mask,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  FieldDescriptorProto_Label as Label,
  MethodOptionsSchema,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";
import { http } from "../../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../../gen/google/api/http_pb.js";

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;
type HttpRuleInit = MessageInitShape<typeof HttpRuleSchema>;

function field(name: string, number: number, type: Type, extra: Partial<FieldDescriptorProto> = {}): FieldInit {
  return { name, number, type, label: Label.OPTIONAL, jsonName: protoCamelCase(name), ...extra } as FieldInit;
}
const repeated = { label: Label.REPEATED };
const msg = (typeName: string) => ({ typeName });

function rpc(name: string, rule: HttpRuleInit) {
  const options = create(MethodOptionsSchema);
  setExtension(options, http, create(HttpRuleSchema, rule));
  return { name, inputType: ".rest.test.v1.Probe", outputType: ".rest.test.v1.Probe", options };
}

const wkt: DescFile[] = [
  file_google_protobuf_timestamp,
  file_google_protobuf_duration,
  file_google_protobuf_field_mask,
  file_google_protobuf_wrappers,
];

const fileProto = create(FileDescriptorProtoSchema, {
  name: "rest/test/v1/probe.proto",
  package: "rest.test.v1",
  syntax: "proto3",
  dependency: wkt.map((f) => f.proto.name),
  enumType: [
    {
      name: "Color",
      value: [
        { name: "COLOR_UNSPECIFIED", number: 0 },
        { name: "COLOR_RED", number: 1 },
        { name: "COLOR_GREEN", number: 2 },
      ],
    },
  ],
  messageType: [
    {
      name: "Inner",
      field: [
        field("email", 1, Type.STRING),
        field("display_name", 2, Type.STRING),
        field("color", 3, Type.ENUM, msg(".rest.test.v1.Color")),
        field("child", 4, Type.MESSAGE, msg(".rest.test.v1.Inner")),
      ],
    },
    {
      name: "Probe",
      field: [
        field("probe_id", 1, Type.STRING),
        field("text", 2, Type.STRING),
        field("i32", 3, Type.INT32),
        field("u32", 4, Type.UINT32),
        field("i64", 5, Type.INT64),
        field("u64", 6, Type.UINT64),
        field("s32", 7, Type.SINT32),
        field("f64", 8, Type.FIXED64),
        field("flag", 9, Type.BOOL),
        field("ratio", 10, Type.FLOAT),
        field("amount", 11, Type.DOUBLE),
        field("blob", 12, Type.BYTES),
        field("color", 13, Type.ENUM, msg(".rest.test.v1.Color")),
        field("colors", 14, Type.ENUM, { ...msg(".rest.test.v1.Color"), ...repeated }),
        field("tags", 15, Type.STRING, repeated),
        field("ids", 16, Type.INT64, repeated),
        field("inner", 17, Type.MESSAGE, msg(".rest.test.v1.Inner")),
        field("inners", 18, Type.MESSAGE, { ...msg(".rest.test.v1.Inner"), ...repeated }),
        field("create_time", 19, Type.MESSAGE, msg(".google.protobuf.Timestamp")),
        field("ttl", 20, Type.MESSAGE, msg(".google.protobuf.Duration")),
        field("update_mask", 21, Type.MESSAGE, msg(".google.protobuf.FieldMask")),
        field("limit", 22, Type.MESSAGE, msg(".google.protobuf.Int32Value")),
        field("labels", 23, Type.MESSAGE, { ...msg(".rest.test.v1.Probe.LabelsEntry"), ...repeated }),
      ],
      nestedType: [
        {
          name: "LabelsEntry",
          field: [field("key", 1, Type.STRING), field("value", 2, Type.STRING)],
          options: { mapEntry: true },
        },
      ],
    },
  ],
  service: [
    {
      name: "ProbeService",
      method: [
        rpc("GetProbe", { pattern: { case: "get", value: "/v1/probes/{probe_id}" } }),
        rpc("ListProbes", { pattern: { case: "get", value: "/v1/probes" } }),
        rpc("UpdateProbe", { pattern: { case: "patch", value: "/v1/probes/{inner.email}" }, body: "inner" }),
        rpc("CancelProbe", { pattern: { case: "post", value: "/v1/probes/{probe_id}:cancel" }, body: "*" }),
        rpc("DeleteProbe", { pattern: { case: "delete", value: "/v1/probes/{probe_id}" } }),
        rpc("GetFile", {
          pattern: { case: "get", value: "/v1/{text=files/**}" },
          additionalBindings: [
            { pattern: { case: "custom", value: { kind: "POST", path: "/v2/files/{text}" } }, body: "*" },
          ],
        }),
      ],
    },
    {
      // Annotations the route table must refuse at start-up.
      name: "BrokenService",
      method: [rpc("WithResponseBody", { pattern: { case: "get", value: "/v1/broken" }, responseBody: "text" })],
    },
  ],
});

const registry = createFileRegistry(fileProto, (name) => wkt.find((f) => f.proto.name === name));

/** Probe is the all-kinds request message. */
export const ProbeSchema: DescMessage = registry.getMessage("rest.test.v1.Probe")!;
/** ProbeService carries one annotated method per route shape. */
export const ProbeService: DescService = registry.getService("rest.test.v1.ProbeService")!;
/** BrokenService holds annotations the route table refuses. */
export const BrokenService: DescService = registry.getService("rest.test.v1.BrokenService")!;
