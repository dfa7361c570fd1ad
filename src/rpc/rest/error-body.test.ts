import { create, createRegistry, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import {
  BadRequestSchema,
  DebugInfoSchema,
  ErrorInfoSchema,
  HelpSchema,
  LocalizedMessageSchema,
  PreconditionFailureSchema,
  QuotaFailureSchema,
  RequestInfoSchema,
  ResourceInfoSchema,
  RetryInfoSchema,
} from "../../../gen/google/rpc/error_details_pb.js";
import { connectErrorFromResponse, restErrorBody } from "./error-body.js";

/** Sends an error with one detail through Connect's wire JSON and back, as a handler answer would. */
function roundTrip<Desc extends DescMessage>(desc: Desc, value: MessageInitShape<Desc>) {
  const sent = new ConnectError("denied", Code.PermissionDenied, undefined, [{ desc, value }]);
  return restErrorBody(connectErrorFromResponse(403, errorToJsonBytes(sent, {})));
}

describe("restErrorBody", () => {
  it("gives the Connect code string, the bare message and details", () => {
    const body = roundTrip(ErrorInfoSchema, {
      reason: "MISSING_SCOPE",
      domain: "dd.example",
      metadata: { required_scope: "mandates:write" },
    });
    expect(body).toEqual({
      code: "permission_denied",
      message: "denied",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "MISSING_SCOPE",
          domain: "dd.example",
          metadata: { required_scope: "mandates:write" },
        },
      ],
    });
  });

  // [detail, value sent, JSON expected beside "@type"]
  const cases: [string, DescMessage, MessageInitShape<DescMessage>, object][] = [
    [
      "BadRequest",
      BadRequestSchema,
      { fieldViolations: [{ field: "page_size", description: "too big" }] },
      { fieldViolations: [{ field: "page_size", description: "too big" }] },
    ],
    ["RetryInfo", RetryInfoSchema, { retryDelay: { seconds: 2n } }, { retryDelay: "2s" }],
    [
      "QuotaFailure",
      QuotaFailureSchema,
      { violations: [{ subject: "org:1", description: "100/min" }] },
      { violations: [{ subject: "org:1", description: "100/min" }] },
    ],
    [
      "PreconditionFailure",
      PreconditionFailureSchema,
      { violations: [{ type: "STATE", subject: "MD1", description: "cancelled" }] },
      { violations: [{ type: "STATE", subject: "MD1", description: "cancelled" }] },
    ],
    [
      "ResourceInfo",
      ResourceInfoSchema,
      { resourceType: "mandate", resourceName: "MD1" },
      { resourceType: "mandate", resourceName: "MD1" },
    ],
    [
      "Help",
      HelpSchema,
      { links: [{ description: "docs", url: "https://x.test" }] },
      { links: [{ description: "docs", url: "https://x.test" }] },
    ],
    [
      "LocalizedMessage",
      LocalizedMessageSchema,
      { locale: "en-GB", message: "No" },
      { locale: "en-GB", message: "No" },
    ],
    ["RequestInfo", RequestInfoSchema, { requestId: "r-1" }, { requestId: "r-1" }],
  ];
  it.each(cases)("decodes google.rpc.%s", (name, desc, value, json) => {
    const body = roundTrip(desc, value);
    expect(body.details).toEqual([{ "@type": `type.googleapis.com/google.rpc.${name}`, ...json }]);
  });

  it("keeps a detail of an unknown type as @type and base64 value", () => {
    const error = new ConnectError("x", Code.Internal);
    error.details.push({ type: "acme.v1.Thing", value: new Uint8Array([1, 2, 3]) });
    expect(restErrorBody(error).details).toEqual([{ "@type": "type.googleapis.com/acme.v1.Thing", value: "AQID" }]);
  });

  it("keeps a known detail whose bytes do not decode as base64 value", () => {
    const error = new ConnectError("x", Code.Internal);
    error.details.push({ type: "google.rpc.ErrorInfo", value: new Uint8Array([0xff]) });
    expect(restErrorBody(error).details).toEqual([
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", value: "/w==" },
    ]);
  });

  it("drops google.rpc.DebugInfo, so no stack trace reaches a REST client", () => {
    const body = roundTrip(DebugInfoSchema, { stackEntries: ["at x"], detail: "boom" });
    expect(body.details).toEqual([]);
  });

  it("renders an outgoing detail made in process", () => {
    const error = new ConnectError("bad", Code.InvalidArgument, undefined, [
      { desc: BadRequestSchema, value: { fieldViolations: [{ field: "state", description: "unknown" }] } },
    ]);
    expect(restErrorBody(error)).toEqual({
      code: "invalid_argument",
      message: "bad",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [{ field: "state", description: "unknown" }],
        },
      ],
    });
  });

  it("puts a custom-JSON message under value, as Any's JSON does", () => {
    const error = new ConnectError("x", Code.Internal);
    const value = toBinary(DurationSchema, create(DurationSchema, { seconds: 3n }));
    error.details.push({ type: "google.protobuf.Duration", value });
    expect(restErrorBody(error, createRegistry(DurationSchema)).details).toEqual([
      { "@type": "type.googleapis.com/google.protobuf.Duration", value: "3s" },
    ]);
  });
});

describe("connectErrorFromResponse", () => {
  it("falls back to the code of the HTTP status for a body that is not a Connect error", () => {
    const error = connectErrorFromResponse(503, new TextEncoder().encode("<html>"));
    expect(error.code).toBe(Code.Unavailable);
  });
});
