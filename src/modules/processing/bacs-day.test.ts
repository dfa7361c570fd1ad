import { describe, expect, it } from "vitest";
import { bacsDateOf } from "./bacs-day.js";

describe("bacsDateOf", () => {
  it("reads an instant in UK time, BST in summer and GMT in winter", () => {
    expect(bacsDateOf(new Date("2027-06-30T23:30:00Z"))).toBe("2027-07-01");
    expect(bacsDateOf(new Date("2027-12-31T23:30:00Z"))).toBe("2027-12-31");
    expect(bacsDateOf(new Date("2028-01-01T00:00:00Z"))).toBe("2028-01-01");
  });
});
