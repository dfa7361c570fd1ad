/**
 * logger.ts makes the service's pino logger: one JSON object a line. Request logs carry only what
 * the errors interceptor chooses to log; the redact list is a second wall in case a header or a
 * credential ever reaches a log call by mistake, and the error serializer (log-safe-error.ts) keeps
 * the SQL and values a database error carries out of every line.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import { type LoggedError, logSafeError } from "./log-safe-error.js";

export type { Logger };

/** LogLevel is a pino level name, or "silent". */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

const redactedPaths = [
  "authorization",
  "cookie",
  "password",
  "secret",
  "token",
  "key",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.secret",
  "*.token",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
];

/** createLogger returns the root logger; pass a destination to capture lines (tests read them). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "dd" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      serializers: { err: logSafeError },
      hooks: {
        // An error logged without a message would lend the line its own message, unserialized.
        logMethod(args, method) {
          const [first, message] = args as unknown[];
          const error = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
          const hasMsg = typeof first === "object" && first !== null && "msg" in first;
          if (args.length === 1 && message === undefined && !hasMsg && error instanceof Error) {
            return method.apply(this, [first as object, (logSafeError(error) as LoggedError).message]);
          }
          return method.apply(this, args);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
