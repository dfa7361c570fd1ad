import { describe, expect, it } from "vitest";
import type { FieldViolation } from "../errors.js";
import { checkEmail, checkMetadata, checkReason } from "./mandate-fields.js";

const emailOk = (email: string) => {
  const violations: FieldViolation[] = [];
  checkEmail(email, "email", violations);
  return violations.length === 0;
};

describe("mandate field checks", () => {
  it.each(["jane@example.com", "Jane.O'Neil+rent@mail.example.co.uk", "x@a-b.io"])("accepts the email %s", (email) => {
    expect(emailOk(email)).toBe(true);
  });

  it.each([
    "",
    "jane",
    "jane@",
    "@example.com",
    "jane@example",
    "jane..doe@example.com",
    "jane doe@example.com",
    "jane@-example.com",
    `${"a".repeat(65)}@example.com`,
  ])("refuses the email %j", (email) => {
    expect(emailOk(email)).toBe(false);
  });

  it("counts metadata limits in characters and reports each problem", () => {
    const violations: FieldViolation[] = [];
    checkMetadata({ "": "x", ["é".repeat(40)]: "ü".repeat(500) }, "mandate.metadata", violations);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.description).toContain("key");
  });

  it("refuses control characters in metadata keys (any) and values (all but tab and line breaks)", () => {
    const violations: FieldViolation[] = [];
    checkMetadata(
      { "a\u0000": "x", b: "\u0000", c: "\u001b", d: "line 1\r\nline 2\tend" },
      "mandate.metadata",
      violations,
    );
    expect(violations.map((v) => v.description)).toEqual([
      'key "a\\u0000" must not contain control characters',
      'value of "b" must not contain control characters other than tab and line breaks',
      'value of "c" must not contain control characters other than tab and line breaks',
    ]);
    expect(violations.every((v) => v.field === "mandate.metadata")).toBe(true);
  });

  it("refuses control characters in a reason but keeps tab and line breaks", () => {
    const reasonOk = (reason: string) => {
      const violations: FieldViolation[] = [];
      checkReason(reason, "reason", violations);
      return violations.length === 0;
    };
    expect(reasonOk("moved\u0000out")).toBe(false);
    expect(reasonOk("moved\u007fout")).toBe(false);
    expect(reasonOk("moved\u0085out")).toBe(false);
    expect(reasonOk("Payer phoned:\r\n\tmoved out")).toBe(true);
  });
});
