import { describe, expect, it } from "vitest";
import { generateReference, normaliseReference, referenceProblem } from "./bacs-reference.js";

describe("Bacs references", () => {
  it.each(["RENT-2024/01", "FLAT 4B & GARAGE", "ABC123", "A.B.C.1.2.3", "DDI-RENT-1", "RENT DDIC 1"])(
    "accepts %s",
    (reference) => {
      expect(referenceProblem(normaliseReference(reference))).toBeUndefined();
    },
  );

  it.each(["ABC12", "RENT_2024", "A".repeat(19), "111111", "AB-CD-E", " RENT01", "RENT01 ", "RENT£01"])(
    "refuses %j",
    (reference) => {
      expect(referenceProblem(normaliseReference(reference))).toBeDefined();
    },
  );

  it.each([
    ["ABC12", "must be 6 to 18 characters: A-Z, 0-9, space and & - . /"],
    ["AB-CD-E", "must hold at least 6 letters or digits"],
    ["111111", "must not be one character repeated"],
    ["DDIC12345", "must not start with DDIC"],
    ["ddic-rent-1", "must not start with DDIC"],
  ])("says what is wrong with %j", (reference, problem) => {
    expect(referenceProblem(normaliseReference(reference))).toBe(problem);
  });

  it("upper-cases lower case", () => {
    expect(normaliseReference("flat 4b")).toBe("FLAT 4B");
  });

  it("generates valid, distinct references", () => {
    const made = Array.from({ length: 200 }, generateReference);
    for (const reference of made) expect(referenceProblem(reference)).toBeUndefined();
    expect(new Set(made).size).toBe(made.length);
  });
});
