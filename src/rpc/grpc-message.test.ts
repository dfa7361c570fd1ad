import { describe, expect, it } from "vitest";
import { encodeGrpcMessage, withSpecGrpcMessage } from "./grpc-message.js";

describe("encodeGrpcMessage", () => {
  it("keeps printable ASCII but %, and escapes the rest as UTF-8 bytes", () => {
    expect(encodeGrpcMessage("needs the scope alerts:write, a/b ~ok")).toBe("needs the scope alerts:write, a/b ~ok");
    expect(encodeGrpcMessage("100% £5\n")).toBe("100%25 %C2%A35%0A");
  });

  it("round-trips through decodeURI (grpc-js) and decodeURIComponent (grpc-web, Connect)", () => {
    for (const message of [
      "alert AL1 is RESOLVED: only an OPEN alert can be acknowledged",
      "£12.50 — 100% of 😀",
      "a%3Ab",
    ]) {
      const encoded = encodeGrpcMessage(message);
      expect(decodeURI(encoded)).toBe(message);
      expect(decodeURIComponent(encoded)).toBe(message);
    }
  });
});

describe("withSpecGrpcMessage", () => {
  it("re-encodes the message connect-node wrote with encodeURIComponent, in headers and trailers", () => {
    const written = encodeURIComponent("scope alerts:write £");
    const response = withSpecGrpcMessage({
      status: 200,
      header: new Headers({ "grpc-message": written }),
      trailer: new Headers({ "grpc-message": written }),
    });
    expect(response.header?.get("grpc-message")).toBe("scope alerts:write %C2%A3");
    expect(response.trailer?.get("grpc-message")).toBe("scope alerts:write %C2%A3");
  });

  it("leaves responses without a message, and undecodable messages, alone", () => {
    const response = withSpecGrpcMessage({
      status: 200,
      header: new Headers({ "grpc-message": "bad %E0%A4%A" }),
      trailer: new Headers(),
    });
    expect(response.header?.get("grpc-message")).toBe("bad %E0%A4%A");
    expect(response.trailer?.has("grpc-message")).toBe(false);
  });
});
