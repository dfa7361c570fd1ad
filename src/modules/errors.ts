/**
 * errors.ts holds the domain errors services and interceptors throw. They know nothing of Connect:
 * rpc/errors.ts is the only place that turns them into codes, headers and google.rpc details.
 */

/** FieldViolation names a request field and what is wrong with it (BadRequest.FieldViolation). */
export interface FieldViolation {
  /** Path of the field in the request, proto names with dots: "mandate.payer.email". */
  field: string;
  description: string;
}

/** QuotaViolation names an exceeded quota and how it was exceeded (QuotaFailure.Violation). */
export interface QuotaViolation {
  /** Whose quota: "organisation:OR…", "user:US…". */
  subject: string;
  description: string;
}

/** DomainError is the base of every error a service throws on purpose. */
export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    // Logs and stack traces show the concrete class without each one repeating its own name.
    this.name = new.target.name;
  }
}

/** NotFoundError: the resource does not exist, or belongs to another organisation (same answer). */
export class NotFoundError extends DomainError {
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
  }
}

/** InvalidArgumentOptions adds a reason callers can branch on, or a message of its own, to the violations. */
export interface InvalidArgumentOptions {
  /** An UPPER_SNAKE_CASE reason (ErrorInfo.reason); without one, the violations alone explain. */
  reason?: string;
  metadata?: Readonly<Record<string, string>>;
  /** Replaces the message made of the violations. */
  message?: string;
}

/** InvalidArgumentError: one or more request fields (or headers) are invalid; nothing was written. */
export class InvalidArgumentError extends DomainError {
  readonly reason: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;

  constructor(
    readonly violations: readonly FieldViolation[],
    options: InvalidArgumentOptions = {},
  ) {
    super(options.message ?? violations.map((v) => `${v.field}: ${v.description}`).join("; "));
    this.reason = options.reason;
    this.metadata = options.metadata ?? {};
  }

  /** InvalidArgumentError.field is the common case of a single bad field. */
  static field(field: string, description: string): InvalidArgumentError {
    return new InvalidArgumentError([{ field, description }]);
  }
}

/** CredentialsRequiredError: the call needs credentials and came with none that are valid. */
export class CredentialsRequiredError extends DomainError {}

/** ReasonedError carries an UPPER_SNAKE_CASE reason that callers can branch on (ErrorInfo.reason). */
export abstract class ReasonedError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** FailedPreconditionError: the resource's state does not allow the action (e.g. MANDATE_NOT_ACTIVE). */
export class FailedPreconditionError extends ReasonedError {}

/** PermissionDeniedError: the caller is known but may not do this (e.g. MISSING_SCOPE). */
export class PermissionDeniedError extends ReasonedError {}

/** UnauthenticatedError: the credentials given were not accepted (e.g. INVALID_CREDENTIALS); the message never says which check failed. */
export class UnauthenticatedError extends ReasonedError {}

/** AlreadyExistsError: a resource with the same unique value exists. */
export class AlreadyExistsError extends ReasonedError {}

/** RetryLaterError is a refusal that the same call may overcome after retryAfterMs. */
export abstract class RetryLaterError extends ReasonedError {
  constructor(
    reason: string,
    message: string,
    readonly retryAfterMs: number,
    metadata: Readonly<Record<string, string>> = {},
  ) {
    super(reason, message, metadata);
  }
}

/** AbortedError: a concurrent request holds what this one needs (e.g. IDEMPOTENCY_KEY_IN_USE). */
export class AbortedError extends RetryLaterError {}

/** ResourceExhaustedError: too many attempts, or over a quota (e.g. RATE_LIMITED, SIGN_IN_THROTTLED). */
export class ResourceExhaustedError extends RetryLaterError {
  constructor(
    reason: string,
    message: string,
    retryAfterMs: number,
    metadata: Readonly<Record<string, string>> = {},
    readonly quotaViolations: readonly QuotaViolation[] = [],
  ) {
    super(reason, message, retryAfterMs, metadata);
  }
}
