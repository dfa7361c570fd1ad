import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { checkDateRange } from "./date-range.js";

function violationsOf(from: string, to: string) {
  try {
    checkDateRange(from, to);
    return [];
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations.map((v) => `${v.field}: ${v.description}`);
    throw error;
  }
}

describe("checkDateRange", () => {
  it("accepts empty bounds, one bound, and an inclusive range of one day", () => {
    expect(violationsOf("", "")).toEqual([]);
    expect(violationsOf("2026-01-31", "")).toEqual([]);
    expect(violationsOf("", "2026-01-31")).toEqual([]);
    expect(violationsOf("2026-01-31", "2026-01-31")).toEqual([]);
  });

  it("names each malformed bound, and to when it is before from", () => {
    expect(violationsOf("2026-02-30", "31/01/2026")).toEqual([
      "from: must be a calendar date YYYY-MM-DD",
      "to: must be a calendar date YYYY-MM-DD",
    ]);
    expect(violationsOf("2026-02-01", "2026-01-31")).toEqual(["to: must not be before from"]);
  });
});
