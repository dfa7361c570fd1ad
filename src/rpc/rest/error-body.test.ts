import { create, createRegistry, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import {
  BadRequestSchema,
  DebugInfoSchema,
  ErrorInfoSchema,
  file_google_rpc_error_details,
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

  // Per google.rpc detail, a value to send. Every detail but DebugInfo is listed: the proto file decides
  // which details exist, not the registry under test. Each comes back as the same fields beside "@type",
  // but where its proto3 JSON differs (jsonOfSample).
  const samples: Record<string, MessageInitShape<DescMessage>> = {
    ErrorInfo: { reason: "R", domain: "d", metadata: { k: "v" } },
    BadRequest: { fieldViolations: [{ field: "page_size", description: "too big" }] },
    RetryInfo: { retryDelay: { seconds: 2n } },
    QuotaFailure: { violations: [{ subject: "org:1", description: "100/min" }] },
    PreconditionFailure: { violations: [{ type: "STATE", subject: "MD1", description: "cancelled" }] },
    ResourceInfo: { resourceType: "mandate", resourceName: "MD1" },
    Help: { links: [{ description: "docs", url: "https://x.test" }] },
    LocalizedMessage: { locale: "en-GB", message: "No" },
    RequestInfo: { requestId: "r-1" },
  };
  const jsonOfSample: Record<string, object> = { RetryInfo: { retryDelay: "2s" } };
  const shownDetails = file_google_rpc_error_details.messages.filter((m) => m !== DebugInfoSchema);

  it("has a sample of every google.rpc detail but DebugInfo", () => {
    expect(Object.keys(samples).sort()).toEqual(shownDetails.map((m) => m.name).sort());
  });

  it.each(shownDetails.map((desc) => [desc.name, desc] as const))("decodes google.rpc.%s", (name, desc) => {
    const json = jsonOfSample[name] ?? samples[name];
    expect(roundTrip(desc, samples[name]!).details).toEqual([
      { "@type": `type.googleapis.com/google.rpc.${name}`, ...json },
    ]);
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
