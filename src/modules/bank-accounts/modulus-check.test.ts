import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { modulusCheck } from "./modulus-check.js";
import { loadModulusTables, parseSubstitutions, parseWeightTable } from "./modulus-tables.js";

const tables = loadModulusTables(fileURLToPath(new URL("../../../data/modulus", import.meta.url)));

/**
 * The worked test cases of Vocalink's specification ("Validating account numbers – UK modulus
 * checking", v8.50, chapter 3), in its order: sort code, account number, whether it is valid, and
 * what the case exercises.
 */
const vocalinkCases: [string, string, boolean, string][] = [
  ["089999", "66374958", true, "MOD10 only"],
  ["107999", "88837491", true, "MOD11 only"],
  ["202959", "63748472", true, "MOD11 and DBLAL, both pass"],
  ["871427", "46238510", true, "exception 10 and 11, first check passes"],
  ["872427", "46238510", true, "exception 10 and 11, first check passes, second fails"],
  ["871427", "09123496", true, "exception 10: ab = 09, g = 9"],
  ["871427", "99123496", true, "exception 10: ab = 99, g = 9"],
  ["820000", "73688637", true, "exception 3: c = 6, DBLAL skipped"],
  ["827999", "73988638", true, "exception 3: c = 9, DBLAL skipped"],
  ["827101", "28748352", true, "exception 3: both checks made"],
  ["134020", "63849203", true, "exception 4"],
  ["118765", "64371389", true, "exception 1"],
  ["200915", "41011166", true, "exception 6: foreign currency account"],
  ["938611", "07806039", true, "exception 5, substituted sort code"],
  ["938600", "42368003", true, "exception 5, check digits 0 after remainder 0"],
  ["938063", "55065200", true, "exception 5"],
  ["772798", "99345694", true, "exception 7: g = 9"],
  ["086090", "06774744", true, "exception 8"],
  ["309070", "02355688", true, "exceptions 2 and 9: first check passes"],
  ["309070", "12345668", true, "exceptions 2 and 9: first fails, second passes (a ≠ 0, g ≠ 9)"],
  ["309070", "12345677", true, "exceptions 2 and 9: a ≠ 0, g ≠ 9, second weights"],
  ["309070", "99345694", true, "exceptions 2 and 9: a ≠ 0, g = 9"],
  ["938063", "15764273", false, "exception 5: first check digit wrong"],
  ["938063", "15764264", false, "exception 5: second check digit wrong"],
  ["938063", "15763217", false, "exception 5: first check remainder 1"],
  ["118765", "64371388", false, "exception 1"],
  ["203099", "66831036", false, "exception 6: not foreign currency, first check fails"],
  ["203099", "58716970", false, "exception 6: not foreign currency, second check fails"],
  ["089999", "66374959", false, "MOD10 only"],
  ["107999", "88837493", false, "MOD11 only"],
  ["074456", "12345112", true, "exceptions 12 and 13"],
  ["070116", "34012583", true, "exceptions 12 and 13"],
  ["074456", "11104102", true, "exceptions 12 and 13"],
  ["180002", "00000190", true, "exception 14: passes after dropping the suffix digit"],
];

describe("modulusCheck", () => {
  it.each(vocalinkCases)("Vocalink's case: %s %s is %s (%s)", (sortCode, accountNumber, valid) => {
    expect(modulusCheck(tables, sortCode, accountNumber)).toBe(valid ? "passed" : "failed");
  });

  it("runs all 34 of the specification's cases, 26 valid and 8 invalid", () => {
    expect(vocalinkCases).toHaveLength(34);
    expect(vocalinkCases.filter(([, , valid]) => valid)).toHaveLength(26);
  });

  it("catches a mistyped digit: each single-digit change of a valid number fails under a MOD11-only sort code", () => {
    // MOD11 with weights 8…1 over a–h: changing one digit by 1–9 changes the total by 1–72 times a
    // weight that 11 does not divide, so no single-digit typo can pass.
    const valid = "88837491";
    for (let i = 0; i < 8; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const typo = valid.slice(0, i) + d + valid.slice(i + 1);
        expect(modulusCheck(tables, "107999", typo), typo).toBe("failed");
      }
    }
  });

  it("catches two swapped digits under the same sort code", () => {
    expect(modulusCheck(tables, "107999", "88837419")).toBe("failed");
  });

  it("exception 14 refuses a number whose last digit is not 0, 1 or 9 once the plain check fails", () => {
    expect(modulusCheck(tables, "180002", "00000195")).toBe("failed");
  });

  it("cannot check a sort code the tables do not cover, and says so", () => {
    expect(tables.rows.some((row) => row.from <= "000000" && "000000" <= row.to)).toBe(false);
    expect(modulusCheck(tables, "000000", "12345678")).toBe("not-checkable");
  });

  it("fails what is not 6 and 8 digits", () => {
    expect(modulusCheck(tables, "10799", "88837491")).toBe("failed");
    expect(modulusCheck(tables, "107999", "8883749")).toBe("failed");
    expect(modulusCheck(tables, "107999", "8883749a")).toBe("failed");
  });
});

describe("modulus tables", () => {
  it("reads every row of the published tables", () => {
    expect(tables.rows.length).toBe(1151);
    expect(tables.substitutions.size).toBe(21);
    expect(tables.rows.filter((row) => row.exception !== 0).length).toBeGreaterThan(500);
  });

  it("refuses a line it does not understand, naming it", () => {
    expect(() => parseWeightTable("010004 016715 MOD11 0 0 0 0 0 0 8 7 6 5 4 3 2 1\r\n010004 MOD12\r\n")).toThrow(
      "valacdos.txt line 2",
    );
    expect(() => parseSubstitutions("938173 938017\n938289\n")).toThrow("scsubtab.txt line 2");
  });
});
