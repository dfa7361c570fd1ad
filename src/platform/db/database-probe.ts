/**
 * database-probe.ts asks PostgreSQL whether it answers, for health checks: a load balancer should
 * stop sending calls to a replica whose database is away, and send them again once it is back.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { withTimeout } from "../with-timeout.js";

/** databaseAnswers is true if `select 1` comes back within timeoutMs. */
export async function databaseAnswers(orm: MikroORM, timeoutMs: number): Promise<boolean> {
  try {
    await withTimeout(orm.em.fork().execute("select 1"), timeoutMs, "PostgreSQL");
    return true;
  } catch {
    return false;
  }
}
