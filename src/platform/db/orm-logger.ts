import type { LogContext, LoggerNamespace, Logger as OrmLogger } from "@mikro-orm/core";
import type { Logger as PinoLogger } from "pino";

const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, "g");

/**
 * PinoOrmLogger routes MikroORM's own log lines (migrator progress, warnings, errors, discovery) to
 * pino under `{ component: "orm", namespace }`.
 *
 * Why not MikroORM's DefaultLogger: it writes to the console, and its query log can inline SQL
 * parameters (API key digests, bank details). Here queries are never logged at all and the
 * `query-params` namespace is always off, whatever `debug` says.
 */
export class PinoOrmLogger implements OrmLogger {
  readonly #log: PinoLogger;

  constructor(logger: PinoLogger) {
    this.#log = logger.child({ component: "orm" });
  }

  log(namespace: LoggerNamespace | (string & {}), message: string, context?: LogContext): void {
    if (namespace === "query" || namespace === "query-params" || context?.enabled === false) return;
    const text = clean(message);
    if (context?.level === "error") this.#log.error({ namespace }, text);
    else if (context?.level === "warning") this.#log.warn({ namespace }, text);
    // Lines MikroORM prints even without debug (migrator progress, deprecations) are info; the rest debug.
    else if (context?.enabled === true || namespace === "deprecated") this.#log.info({ namespace }, text);
    else this.#log.debug({ namespace }, text);
  }

  error(namespace: LoggerNamespace | (string & {}), message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: "error" });
  }

  warn(namespace: LoggerNamespace | (string & {}), message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: "warning" });
  }

  /** Queries are never logged: their text can carry values, and the volume belongs in metrics. */
  logQuery(): void {}

  setDebugMode(): void {}

  /** Only `query-params` matters to callers: off, so SQL is never formatted with its values. */
  isEnabled(namespace: LoggerNamespace): boolean {
    return namespace !== "query" && namespace !== "query-params";
  }
}

function clean(message: string): string {
  return message.replace(ANSI, "").replace(/\s+/g, " ").trim();
}
