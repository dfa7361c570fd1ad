import { describe, expect, it } from "vitest";
import { isFramingHeader } from "./framing-headers.js";

describe("isFramingHeader", () => {
  it.each([
    "content-type",
    "content-length",
    "content-encoding",
    "accept-encoding",
    "connect-content-encoding",
    "grpc-status",
    "grpc-message",
  ])("claims %s for the protocol", (name) => {
    expect(isFramingHeader(name)).toBe(true);
  });

  it.each(["set-cookie", "retry-after", "ratelimit", "www-authenticate", "x-request-id", "content-language"])(
    "leaves %s to the handler",
    (name) => {
      expect(isFramingHeader(name)).toBe(false);
    },
  );
});
