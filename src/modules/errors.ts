/**
 * errors.ts holds the domain errors services throw. They know nothing of Connect: rpc/errors.ts is
 * the only place that turns them into codes and google.rpc details.
 */

/** FieldViolation names a request field and what is wrong with it (BadRequest.FieldViolation). */
export interface FieldViolation {
  /** Path of the field in the request, proto names with dots: "mandate.payer.email". */
  field: string;
  description: string;
}

/** DomainError is the base of every error a service throws on purpose. */
export abstract class DomainError extends Error {}

/** NotFoundError: the resource does not exist, or belongs to another organisation (same answer). */
export class NotFoundError extends DomainError {
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
    this.name = "NotFoundError";
  }
}

/** InvalidArgumentError: one or more request fields are invalid; nothing was written. */
export class InvalidArgumentError extends DomainError {
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
    this.name = "InvalidArgumentError";
  }

  /** InvalidArgumentError.field is the common case of a single bad field. */
  static field(field: string, description: string): InvalidArgumentError {
    return new InvalidArgumentError([{ field, description }]);
  }
}

/** ReasonedError carries an UPPER_SNAKE_CASE reason that callers can branch on (ErrorInfo.reason). */
abstract class ReasonedError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** FailedPreconditionError: the resource's state does not allow the action (e.g. MANDATE_NOT_ACTIVE). */
export class FailedPreconditionError extends ReasonedError {
  override name = "FailedPreconditionError";
}

/** PermissionDeniedError: the caller is known but may not do this (e.g. MISSING_SCOPE). */
export class PermissionDeniedError extends ReasonedError {
  override name = "PermissionDeniedError";
}

/** UnauthenticatedError: no valid credentials. The message never says which check failed. */
export class UnauthenticatedError extends ReasonedError {
  override name = "UnauthenticatedError";
}

/** AbortedError: a concurrent request holds what this one needs (e.g. IDEMPOTENCY_KEY_IN_USE). */
export class AbortedError extends ReasonedError {
  override name = "AbortedError";
}

/** AlreadyExistsError: a resource with the same unique value exists. */
export class AlreadyExistsError extends ReasonedError {
  override name = "AlreadyExistsError";
}

/** ResourceExhaustedError: too many attempts; the caller may retry after retryAfterSeconds. */
export class ResourceExhaustedError extends ReasonedError {
  override name = "ResourceExhaustedError";

  constructor(
    reason: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(reason, message);
  }
}
