/**
 * statement-timeout.ts lets a transaction that is known to be heavy (a report over a year of
 * collections) run longer than the connection's statement_timeout, for that transaction only.
 */
import type { EntityManager } from "@mikro-orm/postgresql";

/** allowLongerStatements raises statement_timeout to `ms` until the transaction `em` is in ends. */
export async function allowLongerStatements(em: EntityManager, ms: number): Promise<void> {
  if (!em.isInTransaction()) throw new Error("allowLongerStatements needs a transaction: outside one it would last");
  await em.execute("select set_config('statement_timeout', ?, true)", [String(Math.round(ms))]);
}
