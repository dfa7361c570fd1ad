/**
 * counter-service.ts builds "test.v1.CounterService", a service that exists only in tests: Increment is
 * a write (scope mandates:write, `POST /v1/test/counters/{counter}:increment`) that counts every time
 * its handler runs, so "ran exactly once" is directly observable; Peek is a read (NO_SIDE_EFFECTS).
 */
import { randomUUID } from "node:crypto";
import {
  create,
  createFileRegistry,
  type DescMessage,
  type DescMethodUnary,
  type DescService,
  type MessageShape,
  setExtension,
} from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  MethodOptions_IdempotencyLevel,
  MethodOptionsSchema,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { AccessRuleSchema, access, Scope } from "../../gen/dd/v1/access_pb.js";
import { http } from "../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/google/api/http_pb.js";
import { InvalidArgumentError } from "../../src/modules/errors.js";

function methodOptions(scope: Scope, rule: { verb: "get" | "post"; path: string }, readOnly: boolean) {
  const options = create(MethodOptionsSchema, {
    idempotencyLevel: readOnly
      ? MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
      : MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN,
  });
  setExtension(options, access, create(AccessRuleSchema, { rule: { case: "scope", value: scope } }));
  setExtension(
    options,
    http,
    create(HttpRuleSchema, { pattern: { case: rule.verb, value: rule.path }, body: rule.verb === "post" ? "*" : "" }),
  );
  return options;
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const string = (name: string, number: number) => ({
  name,
  number,
  type: Type.STRING,
  label: Label.OPTIONAL,
  jsonName: camel(name),
});

const file = create(FileDescriptorProtoSchema, {
  name: "test/v1/counter.proto",
  package: "test.v1",
  syntax: "proto3",
  messageType: [
    {
      name: "IncrementRequest",
      field: [
        string("counter", 1),
        { name: "by", number: 2, type: Type.INT32, label: Label.OPTIONAL, jsonName: "by" },
        {
          name: "labels",
          number: 3,
          type: Type.MESSAGE,
          label: Label.REPEATED,
          typeName: ".test.v1.IncrementRequest.LabelsEntry",
          jsonName: "labels",
        },
        { name: "delay_ms", number: 4, type: Type.INT32, label: Label.OPTIONAL, jsonName: "delayMs" },
        { name: "crash", number: 5, type: Type.BOOL, label: Label.OPTIONAL, jsonName: "crash" },
      ],
      nestedType: [{ name: "LabelsEntry", field: [string("key", 1), string("value", 2)], options: { mapEntry: true } }],
    },
    { name: "PeekRequest", field: [string("counter", 1)] },
    {
      name: "CounterValue",
      field: [
        string("counter", 1),
        { name: "value", number: 2, type: Type.INT64, label: Label.OPTIONAL, jsonName: "value" },
        string("call_id", 3),
      ],
    },
  ],
  service: [
    {
      name: "CounterService",
      method: [
        {
          name: "Increment",
          inputType: ".test.v1.IncrementRequest",
          outputType: ".test.v1.CounterValue",
          options: methodOptions(
            Scope.MANDATES_WRITE,
            { verb: "post", path: "/v1/test/counters/{counter}:increment" },
            false,
          ),
        },
        {
          name: "Peek",
          inputType: ".test.v1.PeekRequest",
          outputType: ".test.v1.CounterValue",
          options: methodOptions(Scope.MANDATES_READ, { verb: "get", path: "/v1/test/counters/{counter}" }, true),
        },
      ],
    },
  ],
});

/** CounterService is the test service's descriptor. */
export const CounterService: DescService = (() => {
  const service = createFileRegistry(file, () => undefined).getService("test.v1.CounterService");
  if (!service) throw new Error("test service not built");
  return service;
})();

type Unary = DescMethodUnary<DescMessage, DescMessage>;
/** The Increment method, typed loosely (its messages are built at run time). */
export const incrementMethod = CounterService.method.increment as Unary;
/** The Peek method. */
export const peekMethod = CounterService.method.peek as Unary;

/** IncrementInput is the request of Increment as plain fields. */
export interface IncrementInput {
  counter: string;
  by?: number;
  labels?: Record<string, string>;
  delayMs?: number;
  crash?: boolean;
}

/** Counters is the state behind the service; `runs` counts every time Increment's handler ran. */
export class Counters {
  runs = 0;
  readonly values = new Map<string, bigint>();

  /** register serves CounterService on the router with these counters. */
  register(router: ConnectRouter): DescService {
    router.rpc(incrementMethod, async (req) => {
      const input = req as unknown as Required<IncrementInput>;
      this.runs++;
      if (input.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, input.delayMs));
      if (input.crash) throw new Error("the handler crashed");
      if (input.by < 0) throw InvalidArgumentError.field("by", "must not be negative");
      const value = (this.values.get(input.counter) ?? 0n) + BigInt(input.by);
      this.values.set(input.counter, value);
      return counterValue(input.counter, value, randomUUID());
    });
    router.rpc(peekMethod, async (req) => {
      const counter = (req as unknown as { counter: string }).counter;
      return counterValue(counter, this.values.get(counter) ?? 0n, randomUUID());
    });
    return CounterService;
  }
}

function counterValue(counter: string, value: bigint, callId: string): MessageShape<DescMessage> {
  return create(incrementMethod.output, { counter, value, callId } as never);
}
