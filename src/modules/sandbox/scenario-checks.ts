/**
 * scenario-checks.ts holds the refusals every sandbox scenario shares, whatever it plays on
 * (mandate-simulator.ts, collection-simulator.ts), so both answer alike: a live organisation, a
 * missing id or scenario, a reason code the scenario does not report, and a resource in a state
 * the scenario does not start from.
 */
import { FailedPreconditionError, type FieldViolation, InvalidArgumentError } from "../errors.js";
import type { Acting } from "../identity/acting.js";

/** ReasonCodes are the Bacs codes a scenario reports: their meanings, the report's name ("an AUDDIS"), the default. */
export interface ReasonCodes {
  meanings: Readonly<Record<string, string>>;
  report: string;
  fallback: string;
}

/** ScenarioRules describe the scenarios of one kind of resource (sandbox.proto). */
export interface ScenarioRules<Scenario extends string, State extends string> {
  resource: "mandate" | "collection";
  /** The states each scenario may start from, scenarios in the contract's order. */
  allowedStates: Readonly<Record<Scenario, readonly State[]>>;
  /** The reason codes of each scenario that reports one; the others take none. */
  reasonCodes: Readonly<Partial<Record<Scenario, ReasonCodes>>>;
}

/** ScenarioAsk is a request to play a scenario, as the caller sent it ("" for unset; scenario undefined if unknown). */
export interface ScenarioAsk<Scenario extends string> {
  id: string;
  scenario: Scenario | undefined;
  reasonCode: string;
}

/** ScenarioRequest is a checked request: its scenario and reason code ("" for a scenario that reports none). */
export interface ScenarioRequest<Scenario extends string> {
  scenario: Scenario;
  code: string;
}

/**
 * checkScenarioRequest refuses, cheapest first, a live organisation (FAILED_PRECONDITION
 * SANDBOX_ONLY) and bad arguments (one INVALID_ARGUMENT naming each, with the `violations` the
 * caller found in fields of its own), and resolves the reason code: upper-cased, or the scenario's
 * default when empty.
 */
export function checkScenarioRequest<Scenario extends string, State extends string>(
  rules: ScenarioRules<Scenario, State>,
  acting: Acting,
  request: ScenarioAsk<Scenario> & { violations?: readonly FieldViolation[] },
): ScenarioRequest<Scenario> {
  if (!acting.sandbox) {
    throw new FailedPreconditionError(
      "SANDBOX_ONLY",
      "scenarios can be simulated only in sandbox organisations (dd_test_ keys)",
    );
  }
  const { id, scenario } = request;
  const violations: FieldViolation[] = [];
  if (id === "") violations.push({ field: `${rules.resource}_id`, description: "is required" });
  if (scenario === undefined) violations.push({ field: "scenario", description: `is required: ${oneOf(rules)}` });
  const codes = scenario === undefined ? undefined : rules.reasonCodes[scenario];
  const code = request.reasonCode.trim().toUpperCase();
  if (scenario !== undefined && code !== "") {
    if (!codes)
      violations.push({
        field: "reason_code",
        description: `must be empty for ${scenario}: it reports no Bacs reason`,
      });
    else if (!Object.hasOwn(codes.meanings, code)) {
      violations.push({
        field: "reason_code",
        description: `must be ${codes.report} code: one of ${Object.keys(codes.meanings).join(", ")}`,
      });
    }
  }
  violations.push(...(request.violations ?? []));
  if (violations.length > 0 || scenario === undefined) throw new InvalidArgumentError(violations);
  return { scenario, code: codes ? code || codes.fallback : "" };
}

/**
 * assertScenarioAllowed throws FAILED_PRECONDITION <RESOURCE>_SCENARIO_NOT_ALLOWED unless the
 * resource `id`, in `state`, is in a state `scenario` starts from.
 */
export function assertScenarioAllowed<Scenario extends string, State extends string>(
  rules: ScenarioRules<Scenario, State>,
  id: string,
  state: State,
  scenario: Scenario,
): void {
  const allowed = rules.allowedStates[scenario];
  if (allowed.includes(state)) return;
  throw new FailedPreconditionError(
    `${rules.resource.toUpperCase()}_SCENARIO_NOT_ALLOWED`,
    `${rules.resource} ${id} is ${state}: ${scenario} needs one of ${allowed.join(", ")}`,
    { state, scenario },
  );
}

/** oneOf names the scenarios as the contract's enum values: "one of MANDATE_SCENARIO_ACTIVATE, _FAIL, …". */
function oneOf(rules: ScenarioRules<string, string>): string {
  const [first, ...rest] = Object.keys(rules.allowedStates);
  const prefix = `${rules.resource.toUpperCase()}_SCENARIO_`;
  return `one of ${[`${prefix}${first}`, ...rest.map((name) => `_${name}`)].join(", ")}`;
}
