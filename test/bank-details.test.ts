/**
 * BankDetailsService.ValidateBankDetails: public, over REST and a real @grpc/grpc-js client. Valid
 * details pass and say whether the modulus check ran; a mistyped account number, caught by the
 * modulus check, names account_number; malformed fields are named; nothing about the details is
 * logged.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BankDetailsService } from "../gen/dd/v1/bank_details_pb.js";
import { grpcJsClient, grpcJsUnary } from "./support/clients.js";
import { rest, violationsOf } from "./support/mandates.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let grpcJs: grpc.Client;

beforeAll(async () => {
  server = await startTestServer();
  grpcJs = grpcJsClient(server.port);
});
afterAll(async () => {
  grpcJs?.close();
  await server?.close();
});

const validate = (body: Record<string, unknown>) => rest(server, "POST", "/v1/bankDetails:validate", undefined, body);

describe("ValidateBankDetails", () => {
  it("passes details that pass the modulus check, without credentials", async () => {
    const answer = await validate({ sort_code: "200415", account_number: "31226819" });
    expect(answer).toEqual({ status: 200, body: { sortCode: "200415", modulusChecked: true } });
  });

  it("passes a sort code the modulus tables do not cover on its shape, and says it could not check", async () => {
    const answer = await validate({ sort_code: "000001", account_number: "31926819" });
    expect(answer).toEqual({ status: 200, body: { sortCode: "000001" } });
  });

  it.each([
    ["an account number one digit off", { sort_code: "200415", account_number: "31926819" }, ["account_number"]],
    ["two digits swapped", { sort_code: "107999", account_number: "88837419" }, ["account_number"]],
    ["a sort code with dashes", { sort_code: "20-04-15", account_number: "31226819" }, ["sort_code"]],
    ["a 7-digit account number", { sort_code: "200415", account_number: "3122681" }, ["account_number"]],
    ["nothing at all", {}, ["sort_code", "account_number"]],
  ])("refuses %s with INVALID_ARGUMENT naming the field", async (_title, body, fields) => {
    const answer = await validate(body);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_argument");
    expect(violationsOf(answer)).toEqual(fields);
  });

  it("tells the payer what to do when the modulus check fails", async () => {
    const answer = await validate({ sort_code: "200415", account_number: "31926819" });
    expect(answer.body.message).toContain("does not match sort code 20-04-15: check both numbers");
  });

  it("answers a @grpc/grpc-js client alike", async () => {
    const good = await grpcJsUnary(grpcJs, BankDetailsService.method.validateBankDetails, {
      sortCode: "107999",
      accountNumber: "88837491",
    });
    expect(good.code).toBe(grpc.status.OK);
    expect(good.message).toMatchObject({ sortCode: "107999", modulusChecked: true });
    const bad = await grpcJsUnary(grpcJs, BankDetailsService.method.validateBankDetails, {
      sortCode: "107999",
      accountNumber: "88837493",
    });
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("logs no account number it was given", async () => {
    await validate({ sort_code: "938063", account_number: "15763217" });
    expect(server.rawLogs.some((line) => line.includes("15763217"))).toBe(false);
  });
});
