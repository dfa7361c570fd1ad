/**
 * The one map from domain errors to what callers see: code, message, headers and details in order.
 * The NUL backstop is tried with a refusal from real PostgreSQL (TEST_DATABASE_URL).
 */
import { create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { GetMandateRequestSchema, MandateService } from "../../gen/dd/v1/mandates_pb.js";
import { databaseRefusal } from "../../test/support/database-refusal.js";
import {
  AbortedError,
  AlreadyExistsError,
  CredentialsRequiredError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from "../modules/errors.js";
import { nulInRequest, toConnectError } from "./errors.js";

/** seen is a mapped error as a caller reads it: details as proto3 JSON, in order. */
function seen(error: ConnectError | undefined) {
  if (!error) return undefined;
  return {
    code: Code[error.code],
    message: error.rawMessage,
    header: Object.fromEntries(error.metadata),
    details: error.details.map((d) =>
      "desc" in d ? { [d.desc.typeName]: toJson(d.desc, create(d.desc, d.value)) } : d,
    ),
  };
}

const info = (reason: string, metadata: Record<string, string> = {}) => ({
  "google.rpc.ErrorInfo": { reason, domain: "dd.v1", ...(Object.keys(metadata).length > 0 ? { metadata } : {}) },
});

describe("toConnectError", () => {
  it("answers NOT_FOUND naming the resource", () => {
    expect(seen(toConnectError(new NotFoundError("mandate", "MD1")))).toEqual({
      code: "NotFound",
      message: "mandate MD1 not found",
      header: {},
      details: [info("NOT_FOUND", { resource: "mandate" })],
    });
  });

  it("answers INVALID_ARGUMENT with the field violations, and a reason when there is one", () => {
    expect(seen(toConnectError(InvalidArgumentError.field("mandate.reference", "too long")))).toEqual({
      code: "InvalidArgument",
      message: "mandate.reference: too long",
      header: {},
      details: [
        { "google.rpc.BadRequest": { fieldViolations: [{ field: "mandate.reference", description: "too long" }] } },
      ],
    });
    const header = new InvalidArgumentError([{ field: "Idempotency-Key", description: "is bad" }], {
      message: "Idempotency-Key header is bad",
      reason: "IDEMPOTENCY_KEY_INVALID",
      metadata: { header: "Idempotency-Key" },
    });
    expect(seen(toConnectError(header))).toEqual({
      code: "InvalidArgument",
      message: "Idempotency-Key header is bad",
      header: {},
      details: [
        { "google.rpc.BadRequest": { fieldViolations: [{ field: "Idempotency-Key", description: "is bad" }] } },
        info("IDEMPOTENCY_KEY_INVALID", { header: "Idempotency-Key" }),
      ],
    });
  });

  it.each([
    [new FailedPreconditionError("MANDATE_NOT_ACTIVE", "not active", { state: "CANCELLED" }), "FailedPrecondition"],
    [
      new PermissionDeniedError("MISSING_SCOPE", "needs a scope", { required_scope: "mandates:write" }),
      "PermissionDenied",
    ],
    [new UnauthenticatedError("INVALID_CREDENTIALS", "wrong email or password"), "Unauthenticated"],
    [new AlreadyExistsError("REFERENCE_TAKEN", "taken", { reference: "R1" }), "AlreadyExists"],
  ])("answers %s with its code and ErrorInfo", (error, code) => {
    expect(seen(toConnectError(error))).toEqual({
      code,
      message: error.message,
      header: {},
      details: [info(error.reason, { ...error.metadata })],
    });
  });

  it("answers a refused credential UNAUTHENTICATED with a bearer challenge and no details", () => {
    expect(seen(toConnectError(new CredentialsRequiredError("invalid API key")))).toEqual({
      code: "Unauthenticated",
      message: "invalid API key",
      header: { "www-authenticate": 'Bearer realm="dd"' },
      details: [],
    });
  });

  it("answers ABORTED with Retry-After and RetryInfo before the ErrorInfo", () => {
    const error = new AbortedError("IDEMPOTENCY_KEY_IN_USE", "in progress", 1000, { header: "Idempotency-Key" });
    expect(seen(toConnectError(error))).toEqual({
      code: "Aborted",
      message: "in progress",
      header: { "retry-after": "1" },
      details: [
        { "google.rpc.RetryInfo": { retryDelay: "1s" } },
        info("IDEMPOTENCY_KEY_IN_USE", { header: "Idempotency-Key" }),
      ],
    });
  });

  it("answers RESOURCE_EXHAUSTED with Retry-After in whole seconds, RetryInfo to the millisecond and the quota", () => {
    const error = new ResourceExhaustedError("RATE_LIMITED", "slow down", 1_234.5, { quota: "60" }, [
      { subject: "organisation:OR1", description: "more than 60 requests per minute" },
    ]);
    expect(seen(toConnectError(error))).toEqual({
      code: "ResourceExhausted",
      message: "slow down",
      header: { "retry-after": "2" },
      details: [
        { "google.rpc.RetryInfo": { retryDelay: "1.235s" } },
        {
          "google.rpc.QuotaFailure": {
            violations: [{ subject: "organisation:OR1", description: "more than 60 requests per minute" }],
          },
        },
        info("RATE_LIMITED", { quota: "60" }),
      ],
    });
  });

  it("waits at least a second in Retry-After, and leaves QuotaFailure out when no quota is named", () => {
    const error = new ResourceExhaustedError("SIGN_IN_THROTTLED", "try again later", 200);
    expect(seen(toConnectError(error))).toMatchObject({
      header: { "retry-after": "1" },
      details: [{ "google.rpc.RetryInfo": { retryDelay: "0.200s" } }, info("SIGN_IN_THROTTLED")],
    });
  });

  it("passes a ConnectError through as it is, and knows nothing else", () => {
    const connect = new ConnectError("no caller in context", Code.Internal);
    expect(toConnectError(connect)).toBe(connect);
    expect(toConnectError(new Error("boom"))).toBeUndefined();
    expect(toConnectError("boom")).toBeUndefined();
  });
});

describe("nulInRequest", () => {
  let refusal: unknown;
  beforeAll(async () => {
    refusal = await databaseRefusal("select ?::text", ["MD\u0000"]);
  });

  const method = MandateService.method.getMandate;

  it("answers INVALID_ARGUMENT NUL_CHARACTER when the database refused a NUL the request holds", () => {
    const message = create(GetMandateRequestSchema, { mandateId: "MD\u0000" });
    expect(seen(nulInRequest(refusal, { method, message }))).toEqual({
      code: "InvalidArgument",
      message: "the request holds a NUL character (U+0000), which no field accepts",
      header: {},
      details: [info("NUL_CHARACTER")],
    });
  });

  it("leaves the refusal alone when the request holds no NUL, and other errors always", () => {
    const clean = create(GetMandateRequestSchema, { mandateId: "MD1" });
    const withNul = create(GetMandateRequestSchema, { mandateId: "MD\u0000" });
    expect(nulInRequest(refusal, { method, message: clean })).toBeUndefined();
    expect(nulInRequest(new Error("boom"), { method, message: withNul })).toBeUndefined();
  });
});
