/**
 * mandate-fields.ts validates the fields an organisation writes on a mandate (payer, metadata,
 * free-text reasons). Each check adds field violations with the request's proto path, so one answer
 * names every bad field at once.
 */
import { type FieldViolation, InvalidArgumentError } from "../errors.js";

/** Metadata limits from the contract. */
export const metadataLimits = { entries: 20, keyLength: 40, valueLength: 500 } as const;

const maxReasonLength = 500;
// RFC 5322 dot-atom local part and an LDH domain with a dot: what mail systems actually deliver to.
const localPart = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const domainPart = /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
// Control characters would break emails and Bacs files; people's names never need them.
const controlCharacters = /\p{Cc}/u;
// Free text (metadata values, reasons) may come from a multi-line text box, so tab, line feed and
// carriage return pass; every other control character is refused. NUL above all: PostgreSQL
// refuses it in text and jsonb, which would turn the request into an INTERNAL error.
const controlCharactersExceptWhitespace = /(?![\t\n\r])\p{Cc}/u;

/** lengthOf counts characters as people do (code points), not UTF-16 units. */
export function lengthOf(text: string): number {
  return [...text].length;
}

/** checkName adds a violation unless `value` is 1–140 characters without control characters. */
export function checkName(value: string, field: string, violations: FieldViolation[]): void {
  const length = lengthOf(value.trim());
  if (length === 0 || lengthOf(value) > 140) violations.push({ field, description: "must be 1 to 140 characters" });
  else if (controlCharacters.test(value))
    violations.push({ field, description: "must not contain control characters" });
}

/** checkEmail adds a violation unless `value` is an addr-spec of at most 254 characters. */
export function checkEmail(value: string, field: string, violations: FieldViolation[]): void {
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const valid = value.length <= 254 && at > 0 && local.length <= 64 && localPart.test(local) && domainPart.test(domain);
  if (!valid)
    violations.push({ field, description: "must be an email address like payer@example.com (at most 254 characters)" });
}

/**
 * checkMetadata adds a violation per problem: too many entries, a bad key (length, or any control
 * character: keys are identifiers), a bad value (too long, or a control character other than tab
 * and line breaks).
 */
export function checkMetadata(
  metadata: Readonly<Record<string, string>>,
  field: string,
  violations: FieldViolation[],
): void {
  const entries = Object.entries(metadata);
  if (entries.length > metadataLimits.entries) {
    violations.push({
      field,
      description: `must have at most ${metadataLimits.entries} entries, has ${entries.length}`,
    });
  }
  for (const [key, value] of entries) {
    const keyLength = lengthOf(key);
    if (keyLength === 0 || keyLength > metadataLimits.keyLength) {
      violations.push({
        field,
        description: `key ${JSON.stringify(key.slice(0, 50))} must be 1 to ${metadataLimits.keyLength} characters`,
      });
    } else if (controlCharacters.test(key)) {
      violations.push({
        field,
        description: `key ${JSON.stringify(key.slice(0, 50))} must not contain control characters`,
      });
    }
    if (lengthOf(value) > metadataLimits.valueLength) {
      violations.push({
        field,
        description: `value of ${JSON.stringify(key.slice(0, 50))} must be at most ${metadataLimits.valueLength} characters`,
      });
    } else if (controlCharactersExceptWhitespace.test(value)) {
      violations.push({
        field,
        description: `value of ${JSON.stringify(key.slice(0, 50))} must not contain control characters other than tab and line breaks`,
      });
    }
  }
}

/** checkReason adds a violation if a free-text reason is longer than 500 characters or has control characters other than tab and line breaks. */
export function checkReason(value: string, field: string, violations: FieldViolation[]): void {
  if (lengthOf(value) > maxReasonLength)
    violations.push({ field, description: `must be at most ${maxReasonLength} characters` });
  else if (controlCharactersExceptWhitespace.test(value))
    violations.push({ field, description: "must not contain control characters other than tab and line breaks" });
}

/**
 * checkActionRequest throws INVALID_ARGUMENT unless the request of an organisation's action on a
 * mandate (cancel, suspend, reactivate, resend invite) names the mandate and gives an acceptable reason.
 */
export function checkActionRequest(id: string, reason: string): void {
  const violations: FieldViolation[] = [];
  if (id === "") violations.push({ field: "mandate_id", description: "is required" });
  checkReason(reason, "reason", violations);
  if (violations.length > 0) throw new InvalidArgumentError(violations);
}
