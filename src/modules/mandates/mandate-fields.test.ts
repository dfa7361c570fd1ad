import { describe, expect, it } from "vitest";
import type { FieldViolation } from "../errors.js";
import { checkEmail, checkMetadata } from "./mandate-fields.js";

const emailOk = (email: string) => {
  const violations: FieldViolation[] = [];
  checkEmail(email, "email", violations);
  return violations.length === 0;
};

describe("mandate field checks", () => {
  it.each(["jane@example.com", "Jane.O'Neil+rent@mail.example.co.uk", "x@a-b.io"])("accepts the email %s", (email) => {
    expect(emailOk(email)).toBe(true);
  });

  it.each(["", "jane", "jane@", "@example.com", "jane@example", "jane..doe@example.com", "jane doe@example.com", "jane@-example.com", `${"a".repeat(65)}@example.com`])(
    "refuses the email %j",
    (email) => {
      expect(emailOk(email)).toBe(false);
    },
  );

  it("counts metadata limits in characters and reports each problem", () => {
    const violations: FieldViolation[] = [];
    checkMetadata({ "": "x", ["é".repeat(40)]: "ü".repeat(500) }, "mandate.metadata", violations);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.description).toContain("key");
  });
});
