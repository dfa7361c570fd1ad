import { describe, expect, it } from "vitest";
import { londonDate } from "./london-date.js";

describe("londonDate", () => {
  it("is the UTC date in winter (GMT)", () => {
    expect(londonDate(new Date("2026-01-15T23:30:00Z"))).toBe("2026-01-15");
  });

  it("turns over at local midnight in summer (BST, UTC+1)", () => {
    expect(londonDate(new Date("2026-07-15T22:59:59Z"))).toBe("2026-07-15");
    expect(londonDate(new Date("2026-07-15T23:00:00Z"))).toBe("2026-07-16");
  });
});
