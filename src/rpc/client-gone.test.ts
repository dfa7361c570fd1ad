import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { goneReason, isClientGone } from "./client-gone.js";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isClientGone", () => {
  it("recognises a client that hung up, however deep in the cause chain", () => {
    expect(isClientGone(withCode("read ECONNRESET", "ECONNRESET"))).toBe(true);
    expect(isClientGone(withCode("write EPIPE", "EPIPE"))).toBe(true);
    expect(isClientGone(new Error("aborted"))).toBe(true);
    const cause = withCode("Cannot call write after a stream was destroyed", "ERR_STREAM_DESTROYED");
    const wrapped = new ConnectError("[aborted] write after destroy", Code.Aborted, undefined, undefined, cause);
    expect(isClientGone(wrapped)).toBe(true);
    expect(goneReason(wrapped)).toBe("ERR_STREAM_DESTROYED");
    expect(isClientGone(new ConnectError("the client closed the request", Code.Canceled))).toBe(true);
    expect(isClientGone(new Error("boom"), { destroyed: true, writableFinished: false })).toBe(true);
  });

  it("leaves our own failures to be logged as such", () => {
    expect(isClientGone(new Error("boom"))).toBe(false);
    expect(isClientGone(new ConnectError("x", Code.Internal))).toBe(false);
    expect(isClientGone(withCode("no such file", "ENOENT"))).toBe(false);
    expect(isClientGone(new Error("boom"), { destroyed: false, writableFinished: false })).toBe(false);
    expect(isClientGone("a string")).toBe(false);
  });
});
