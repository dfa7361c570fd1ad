/**
 * logger.ts makes the service's pino logger: one JSON object a line. Request logs carry only what
 * the errors interceptor chooses to log; the redact list is a second wall in case a header or a
 * credential ever reaches a log call by mistake.
 */
import { type DestinationStream, type Logger, pino } from "pino";

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
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
