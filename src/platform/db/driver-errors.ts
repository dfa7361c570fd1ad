/**
 * driver-errors.ts reads PostgreSQL's refusals off what the driver throws (MikroORM's wrappers keep
 * the driver's SQLSTATE as `code`), so that no layer above the database knows an error code.
 */

/**
 * PostgreSQL's answers to a NUL (U+0000) in text: as a query parameter the wire protocol refuses it
 * (08P01), in varchar or jsonb the server does (22021, 22P05).
 */
const nulRefusals: ReadonlySet<string> = new Set(["08P01", "22021", "22P05"]);

/**
 * isNulCharacterRefusal says whether the database refused a statement the way it refuses a NUL in
 * text. 08P01 is any protocol violation, of which a NUL parameter is the one we send: callers that
 * must be sure check their input for a NUL too.
 */
export function isNulCharacterRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && nulRefusals.has(code);
}

/**
 * Why the database could not answer, when the fault is the database's and not the statement's:
 * "unavailable" (unreachable, shutting down, no connection free in time: a retry may succeed) or
 * "timeout" (the statement ran past statement_timeout, or a transaction sat idle too long).
 */
export type DatabaseFault = "unavailable" | "timeout";

/**
 * SQLSTATEs of a server that is going or gone: admin or crash shutdown, cannot connect now, too many
 * connections, and the connection exceptions (class 08) but 08P01, a protocol violation, which is
 * what a NUL parameter gets (isNulCharacterRefusal).
 */
const unavailableStates: ReadonlySet<string> = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);
/** query_canceled (statement_timeout) and idle_in_transaction_session_timeout. */
const timeoutStates: ReadonlySet<string> = new Set(["57014", "25P03"]);
/** Socket errors of a connection that could not be made or was cut. */
const socketCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
/**
 * What node-postgres and knex say when a connection ends, or none was free in time. knex marks a
 * transaction whose connection died complete, so the statements after it fail with "Transaction
 * query already complete" rather than with the socket's error.
 */
const connectionMessages =
  /Connection terminated|connection timeout|Knex: Timeout acquiring a connection|Client has encountered a connection error|Transaction query already complete/i;

/** databaseFault classifies what the driver threw (through MikroORM's wrappers), or undefined. */
export function databaseFault(error: unknown): DatabaseFault | undefined {
  for (let cause = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const { code, message, name } = cause as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === "string") {
      if (timeoutStates.has(code)) return "timeout";
      if (unavailableStates.has(code) || socketCodes.has(code)) return "unavailable";
    }
    if (name === "KnexTimeoutError") return "unavailable";
    if (typeof message === "string" && connectionMessages.test(message)) return "unavailable";
    cause = (cause as { cause?: unknown; previous?: unknown }).cause ?? (cause as { previous?: unknown }).previous;
  }
  return undefined;
}
