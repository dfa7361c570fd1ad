/**
 * database-probe.ts asks PostgreSQL whether it answers, for health checks: a load balancer should
 * stop sending calls to a replica whose database is away, and send them again once it is back.
 *
 * On real PostgreSQL the probe has a connection of its own: through the service's pool it would wait
 * behind busy requests, and a replica under load would report its database away (and be taken out
 * of service just when it is needed). Embedded PostgreSQL serves one connection, so there it shares it.
 */
import { knex, type MikroORM } from "@mikro-orm/postgresql";
import { withTimeout } from "../with-timeout.js";

/** DatabaseProbe answers "does the database answer?" within a timeout. */
export interface DatabaseProbe {
  /** answers is true if `select 1` comes back within timeoutMs; it never rejects. */
  answers(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** probeWithOwnConnection probes `url` over one connection kept for the purpose. */
export function probeWithOwnConnection(url: string): DatabaseProbe {
  let client: ReturnType<typeof knex> | undefined;
  return {
    answers: (timeoutMs) => {
      client ??= knex({
        client: "pg",
        connection: { connectionString: url, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs },
        pool: { min: 0, max: 1 },
        acquireConnectionTimeout: timeoutMs,
        // knex would print a lost connection to stdout; the probe's answer already says it.
        log: { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined },
      });
      return answersWithin(client.raw("select 1"), timeoutMs);
    },
    close: async () => {
      await client?.destroy();
    },
  };
}

/** probeThroughPool probes over the ORM's own pool (embedded PostgreSQL, tests). */
export function probeThroughPool(orm: MikroORM): DatabaseProbe {
  return {
    answers: (timeoutMs) => answersWithin(orm.em.fork().execute("select 1"), timeoutMs),
    close: async () => undefined,
  };
}

async function answersWithin(query: PromiseLike<unknown>, timeoutMs: number): Promise<boolean> {
  try {
    await withTimeout(Promise.resolve(query), timeoutMs, "PostgreSQL");
    return true;
  } catch {
    return false;
  }
}
