/**
 * migrate-command.ts is `ddctl migrate`: apply pending migrations to the database the service uses,
 * as a deploy step before new servers start (the server also migrates when it opens the database).
 */
import type { Command } from "./command.js";

/** migrateCommand prints `{"applied": [names oldest first]}`; empty when the schema was current. */
export const migrateCommand: Command = {
  words: ["migrate"],
  flags: {},
  usage: "migrate",
  summary: "apply pending database migrations",
  async run(_flags, { runtime }) {
    const db = await runtime.database();
    const applied = db.migrationsApplied;
    const where = db.backend === "embedded" ? "embedded PostgreSQL" : "PostgreSQL";
    const text =
      applied.length === 0
        ? `migrate: ${where} is up to date`
        : applied.map((name) => `migrate: applied ${name} to ${where}`).join("\n");
    return { json: { applied }, text };
  },
};
