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

/** field declares a field without its number: `numbered` gives the numbers. */
function field(name: string, type: Type, extra: Partial<FieldDescriptorProto> = {}): FieldInit {
  return { name, type, label: Label.OPTIONAL, jsonName: protoCamelCase(name), ...extra } as FieldInit;
}

/** numbered numbers fields 1, 2, … in the order given: the fixture needs distinct numbers, not chosen ones. */
const numbered = (fields: FieldInit[]): FieldInit[] => fields.map((f, i) => ({ ...f, number: i + 1 }) as FieldInit);

/** One Probe field of every scalar kind, by name: the transcoder converts each from a path or query string. */
const scalarFields: Record<string, Type> = {
  probe_id: Type.STRING,
  text: Type.STRING,
  i32: Type.INT32,
  u32: Type.UINT32,
  i64: Type.INT64,
  u64: Type.UINT64,
  s32: Type.SINT32,
  f64: Type.FIXED64,
  flag: Type.BOOL,
  ratio: Type.FLOAT,
  amount: Type.DOUBLE,
  blob: Type.BYTES,
};
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
      field: numbered([
        field("email", Type.STRING),
        field("display_name", Type.STRING),
        field("color", Type.ENUM, msg(".rest.test.v1.Color")),
        field("child", Type.MESSAGE, msg(".rest.test.v1.Inner")),
      ]),
    },
    {
      name: "Probe",
      field: numbered([
        ...Object.entries(scalarFields).map(([name, type]) => field(name, type)),
        field("color", Type.ENUM, msg(".rest.test.v1.Color")),
        field("colors", Type.ENUM, { ...msg(".rest.test.v1.Color"), ...repeated }),
        field("tags", Type.STRING, repeated),
        field("ids", Type.INT64, repeated),
        field("inner", Type.MESSAGE, msg(".rest.test.v1.Inner")),
        field("inners", Type.MESSAGE, { ...msg(".rest.test.v1.Inner"), ...repeated }),
        field("create_time", Type.MESSAGE, msg(".google.protobuf.Timestamp")),
        field("ttl", Type.MESSAGE, msg(".google.protobuf.Duration")),
        field("update_mask", Type.MESSAGE, msg(".google.protobuf.FieldMask")),
        field("limit", Type.MESSAGE, msg(".google.protobuf.Int32Value")),
        field("labels", Type.MESSAGE, { ...msg(".rest.test.v1.Probe.LabelsEntry"), ...repeated }),
      ]),
      nestedType: [
        {
          name: "LabelsEntry",
          field: numbered([field("key", Type.STRING), field("value", Type.STRING)]),
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
