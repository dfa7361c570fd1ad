/**
 * date-range.ts checks the optional `from`/`to` calendar dates that list and report filters take:
 * each empty or YYYY-MM-DD, and `to` not before `from` (ranges are inclusive).
 */
import { type FieldViolation, InvalidArgumentError } from "../errors.js";
import { isIsoDate } from "./plain-date.js";

/** checkDateRange throws INVALID_ARGUMENT naming `from` or `to` when either is malformed or they are reversed. */
export function checkDateRange(from: string, to: string): void {
  const violations: FieldViolation[] = [];
  if (from !== "" && !isIsoDate(from))
    violations.push({ field: "from", description: "must be a calendar date YYYY-MM-DD" });
  if (to !== "" && !isIsoDate(to)) violations.push({ field: "to", description: "must be a calendar date YYYY-MM-DD" });
  else if (to !== "" && from !== "" && to < from)
    violations.push({ field: "to", description: "must not be before from" });
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}
