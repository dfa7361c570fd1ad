import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { logSafeError } from "./log-safe-error.js";
import { createLogger } from "./logger.js";

const email = "jane.payer@example.com";

/** databaseError is shaped as node-postgres throws it after knex prefixed the statement (MikroORM copies these fields). */
function databaseError(): Error {
  return Object.assign(
    new Error(
      `insert into "mandate" ("payer_email") values ('${email}') - duplicate key value violates unique constraint "mandate_email"` +
        `\n - detail: Key (payer_email)=(${email}) already exists.`,
    ),
    {
      code: "23505",
      severity: "ERROR",
      schema: "public",
      table: "mandate",
      constraint: "mandate_email",
      detail: `Key (payer_email)=(${email}) already exists.`,
      where: `SQL statement with '${email}'`,
    },
  );
}

/** capture makes a logger whose lines land in the returned array. */
function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  return { lines, logger: createLogger("info", sink) };
}

describe("logSafeError", () => {
  it("logs a database error by SQLSTATE, table and constraint, with its stack but not its text", () => {
    const logged = logSafeError(databaseError()) as Record<string, unknown>;
    expect(logged).toMatchObject({
      type: "Error",
      message: "database error 23505",
      code: "23505",
      table: "mandate",
      constraint: "mandate_email",
    });
    expect(logged.stack).toMatch(/^Error\n\s+at /);
    expect(JSON.stringify(logged)).not.toContain(email);
  });

  it("treats an error carrying a statement (knex's sql and bindings) as a database error", () => {
    const timeout = Object.assign(new Error("Knex: Timeout acquiring a connection"), {
      sql: `select * from "mandate" where "payer_email" = ?`,
      bindings: [email],
    });
    const logged = logSafeError(timeout) as Record<string, unknown>;
    expect(logged.message).toBe("database error");
    expect(JSON.stringify(logged)).not.toContain(email);
  });

  it("serializes causes and error-valued fields the same way, however they are attached", () => {
    const wrapped = new Error("could not record the change", { cause: databaseError() });
    const withPrevious = Object.assign(new Error("driver failed"), { previous: databaseError() });
    for (const error of [wrapped, withPrevious]) {
      const text = JSON.stringify(logSafeError(error));
      expect(text).toContain("database error 23505");
      expect(text).not.toContain(email);
    }
    expect(logSafeError(wrapped)).toMatchObject({ message: "could not record the change", cause: { code: "23505" } });
  });

  it("removes a statement and DETAIL quoted into another error's message, and keeps the rest", () => {
    const quoted = new Error(`bacs run failed: ${databaseError().message}`);
    const logged = logSafeError(quoted) as { message: string; stack: string };
    expect(logged.message).toBe(
      'bacs run failed: [statement removed] - duplicate key value violates unique constraint "mandate_email"',
    );
    expect(logged.stack).not.toContain(email);
    expect(logSafeError(new Error("could not update the cache: timed out"))).toMatchObject({
      message: "could not update the cache: timed out",
    });
  });

  it("passes other values through", () => {
    expect(logSafeError({ message: "plain object" })).toEqual({ message: "plain object" });
    expect(logSafeError("text")).toBe("text");
  });

  it("is the logger's err serializer, for { err } and for an error logged alone", () => {
    const { lines, logger } = capture();
    logger.error({ err: databaseError() }, "unexpected error");
    logger.error(databaseError());
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(JSON.parse(line).err).toMatchObject({ code: "23505", constraint: "mandate_email" });
      expect(line).not.toContain(email);
    }
  });
});
