/**
 * explain.ts prints the query plans of service calls: it runs each call as a handler would, catches
 * the last SQL it sent through MikroORM's onQuery hook, and prints EXPLAIN (ANALYZE, BUFFERS) of it
 * on stderr, so a bench run shows whether its rows read through the indexes meant for them.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import type { Database } from "../../src/platform/db/database.js";
import { withTenant } from "../../src/platform/db/tenant-session.js";

/**
 * explainCalls prints the plan of the last query of each `[label, call]`, prefixed with `server`.
 * Each call runs, and its query is explained, in a transaction of `organisationId`, as a request's
 * are: row-level security's predicate is in the plan too.
 */
export async function explainCalls(
  orm: Database["orm"],
  server: string,
  organisationId: string,
  calls: readonly (readonly [string, (em: EntityManager) => Promise<unknown>])[],
): Promise<void> {
  const captured: string[] = [];
  const platform = orm.em.getPlatform();
  const previous = orm.config.get("onQuery");
  orm.config.set("onQuery", (sql: string, params: readonly unknown[]) => {
    captured.push(platform.formatQuery(sql, [...params]));
    return sql;
  });
  const queries: [string, string | undefined][] = [];
  try {
    for (const [label, call] of calls) {
      await withTenant(orm, organisationId, call);
      queries.push([label, captured.at(-1)]);
    }
  } finally {
    orm.config.set("onQuery", previous);
  }
  for (const [label, sql] of queries) {
    if (!sql) throw new Error(`no SQL captured for ${label}`);
    const plan = await withTenant(orm, organisationId, (em) =>
      em.execute<{ "QUERY PLAN": string }[]>(`explain (analyze, buffers) ${sql}`),
    );
    process.stderr.write(`\n${server}: ${label}: ${sql}\n${plan.map((row) => `  ${row["QUERY PLAN"]}`).join("\n")}\n`);
  }
}
