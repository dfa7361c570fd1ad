import { describe, expect, it } from "vitest";
import { MandateState } from "../../gen/dd/v1/mandates_pb.js";
import { storedNameOf } from "./stored-name.js";

const stored = ["ACTIVE", "CANCELLED"] as const;

describe("storedNameOf", () => {
  it("reads a value as its name without the enum's prefix", () => {
    expect(storedNameOf(MandateState, MandateState.ACTIVE, stored)).toBe("ACTIVE");
    expect(storedNameOf(MandateState, MandateState.CANCELLED, stored)).toBe("CANCELLED");
  });

  it("answers undefined for UNSPECIFIED, an unknown number and a name not stored", () => {
    expect(storedNameOf(MandateState, MandateState.UNSPECIFIED, stored)).toBeUndefined();
    expect(storedNameOf(MandateState, 999, stored)).toBeUndefined();
    expect(storedNameOf(MandateState, MandateState.SUSPENDED, stored)).toBeUndefined();
  });
});
