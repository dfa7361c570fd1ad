/**
 * log-safe-error.ts is the logger's `err` serializer: an error as a log line may show it, without
 * the SQL and values that database errors carry.
 *
 * Why: knex prefixes a failed statement's message with its SQL, in which MikroORM has already
 * written the values (it formats queries itself, so no driver option keeps them out: knex's
 * compileSqlOnError only concerns bindings it never gets), MikroORM appends PostgreSQL's DETAIL
 * ("Key (email)=(…) already exists", "Failing row contains (…)"), and the server's own message may
 * quote a value ("invalid input syntax for type uuid: …"). Payer emails, names and bank details
 * would reach the log pipeline. A database error is therefore logged by what identifies the failure (SQLSTATE, table,
 * constraint, column) and where it was thrown, never by its text. Other errors keep their message,
 * minus anything that reads like a statement, and their causes are serialized the same way.
 */

/** LoggedError is what a log line shows of an error. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

/** What identifies a database failure without quoting a value: kept from database errors. */
const databaseFields = ["code", "severity", "schema", "table", "constraint", "column", "dataType"] as const;

/** Properties that hold a statement, its values, or text the server built from them: never logged. */
const valueFields: ReadonlySet<string> = new Set([
  "sql",
  "sqlMessage",
  "bindings",
  "parameters",
  "params",
  "query",
  "detail",
  "hint",
  "where",
  "internalQuery",
  "internalPosition",
  "position",
  "errmsg",
]);

/**
 * A statement at the head of a knex message ("insert into … - new row violates …"), or after a
 * wrapper's "…: ", up to the last " - " (a value inside the statement may hold one).
 */
const statementPrefix = /(^|: )(?:select\s|insert\s+into\s|update\s+"|delete\s+from\s|with\s)[\s\S]* - /gi;
/** MikroORM's appended DETAIL and HINT lines. */
const detailLines = /\n - (?:detail|hint): [^\n]*/g;

const maxDepth = 4;

/** logSafeError serializes `value` for a log line (pino's `err` serializer); non-errors pass through. */
export function logSafeError(value: unknown): unknown {
  return value instanceof Error ? serialize(value, 0) : value;
}

function serialize(error: Error, depth: number): LoggedError {
  const type = error.constructor?.name || error.name || "Error";
  if (isDatabaseError(error)) {
    const logged: LoggedError = { type, message: `database error${sqlState(error)}`, stack: frames(error.stack, type) };
    for (const field of databaseFields) {
      const v = (error as unknown as Record<string, unknown>)[field];
      if (typeof v === "string" || typeof v === "number") logged[field] = v;
    }
    return logged;
  }
  const message = scrub(error.message);
  const logged: LoggedError = { type, message, stack: frames(error.stack, `${type}: ${message}`) };
  for (const [key, v] of Object.entries(error)) {
    if (key === "message" || key === "stack" || valueFields.has(key) || v === undefined) continue;
    if (v instanceof Error) {
      if (depth < maxDepth) logged[key] = serialize(v, depth + 1);
    } else logged[key] = typeof v === "string" ? scrub(v) : v;
  }
  // `cause` is usually not enumerable (new Error(m, { cause })): logged the same way.
  if (error.cause instanceof Error && depth < maxDepth) logged.cause = serialize(error.cause, depth + 1);
  return logged;
}

/**
 * isDatabaseError: what the PostgreSQL driver throws, or MikroORM's wrapper of it (which copies the
 * driver's fields): a SQLSTATE code with the server's severity, or a statement attached.
 */
function isDatabaseError(error: Error): boolean {
  const { code, severity, sql, sqlState: state } = error as Error & Record<string, unknown>;
  const hasSqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
  return (hasSqlState && (typeof severity === "string" || typeof state === "string")) || typeof sql === "string";
}

function sqlState(error: Error): string {
  const { code } = error as Error & { code?: unknown };
  return typeof code === "string" ? ` ${code}` : "";
}

/** scrub removes statements and DETAIL lines from a message that quotes a database error's. */
function scrub(text: string): string {
  return text.replace(detailLines, "").replace(statementPrefix, "$1[statement removed] - ");
}

/** frames keeps a stack's "at …" lines under a first line of our choosing (the original repeats the message). */
function frames(stack: string | undefined, head: string): string | undefined {
  if (stack === undefined) return undefined;
  const at = stack.split("\n").filter((line) => line.trimStart().startsWith("at "));
  return [head, ...at].join("\n");
}
