import { describe, expect, it } from "vitest";
import { FailedPreconditionError, InvalidArgumentError } from "../errors.js";
import { assertScenarioAllowed, checkScenarioRequest, type ScenarioRules } from "./scenario-checks.js";

const rules: ScenarioRules<"GO" | "BOUNCE", "NEW" | "DONE"> = {
  resource: "mandate",
  allowedStates: { GO: ["NEW"], BOUNCE: ["NEW", "DONE"] },
  reasonCodes: { BOUNCE: { meanings: { "1": "one", B: "bee" }, report: "a BOUNCE", fallback: "1" } },
};
const sandbox = { organisationId: "OR1", actor: "key:AK1", sandbox: true };

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("checkScenarioRequest", () => {
  it("refuses a live organisation before looking at the arguments", () => {
    const error = refusal(() =>
      checkScenarioRequest(rules, { ...sandbox, sandbox: false }, { id: "", scenario: undefined, reasonCode: "?" }),
    );
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error).toMatchObject({ reason: "SANDBOX_ONLY" });
  });

  it("names every bad argument, the scenarios as the contract's enum values", () => {
    const error = refusal(() => checkScenarioRequest(rules, sandbox, { id: "", scenario: undefined, reasonCode: "" }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).violations).toEqual([
      { field: "mandate_id", description: "is required" },
      { field: "scenario", description: "is required: one of MANDATE_SCENARIO_GO, _BOUNCE" },
    ]);
  });

  it("adds the caller's own violations to the same answer, after a live organisation is refused", () => {
    const extra = [{ field: "new_sort_code", description: "is required with new_account_number" }];
    const error = refusal(() =>
      checkScenarioRequest(rules, sandbox, { id: "", scenario: "GO", reasonCode: "", violations: extra }),
    );
    expect((error as InvalidArgumentError).violations).toEqual([
      { field: "mandate_id", description: "is required" },
      ...extra,
    ]);
    const live = refusal(() =>
      checkScenarioRequest(
        rules,
        { ...sandbox, sandbox: false },
        { id: "MD1", scenario: "GO", reasonCode: "", violations: extra },
      ),
    );
    expect(live).toMatchObject({ reason: "SANDBOX_ONLY" });
  });

  it("refuses a reason code the scenario does not report", () => {
    const none = refusal(() => checkScenarioRequest(rules, sandbox, { id: "MD1", scenario: "GO", reasonCode: "1" }));
    expect((none as InvalidArgumentError).violations).toEqual([
      { field: "reason_code", description: "must be empty for GO: it reports no Bacs reason" },
    ]);
    const unknown = refusal(() =>
      checkScenarioRequest(rules, sandbox, { id: "MD1", scenario: "BOUNCE", reasonCode: "z" }),
    );
    expect((unknown as InvalidArgumentError).violations).toEqual([
      { field: "reason_code", description: "must be a BOUNCE code: one of 1, B" },
    ]);
  });

  it("upper-cases the code, defaults it when empty, and gives none to a scenario without codes", () => {
    expect(checkScenarioRequest(rules, sandbox, { id: "MD1", scenario: "BOUNCE", reasonCode: " b " })).toEqual({
      scenario: "BOUNCE",
      code: "B",
    });
    expect(checkScenarioRequest(rules, sandbox, { id: "MD1", scenario: "BOUNCE", reasonCode: "" })).toEqual({
      scenario: "BOUNCE",
      code: "1",
    });
    expect(checkScenarioRequest(rules, sandbox, { id: "MD1", scenario: "GO", reasonCode: "" })).toEqual({
      scenario: "GO",
      code: "",
    });
  });
});

describe("assertScenarioAllowed", () => {
  it("passes a state the scenario starts from and names the allowed ones otherwise", () => {
    expect(() => assertScenarioAllowed(rules, "MD1", "DONE", "BOUNCE")).not.toThrow();
    const error = refusal(() => assertScenarioAllowed(rules, "MD1", "DONE", "GO"));
    expect(error).toBeInstanceOf(FailedPreconditionError);
    expect(error).toMatchObject({
      reason: "MANDATE_SCENARIO_NOT_ALLOWED",
      message: "mandate MD1 is DONE: GO needs one of NEW",
      metadata: { state: "DONE", scenario: "GO" },
    });
  });
});
