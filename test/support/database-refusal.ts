import { MikroORM } from "@mikro-orm/postgresql";

/**
 * databaseRefusal runs a statement that must fail on the PostgreSQL server TEST_DATABASE_URL names,
 * through MikroORM as the service does, and returns what was thrown: a real driver error for tests
 * of the code that reads one. No table is needed, so it uses the server's own database.
 */
export async function databaseRefusal(sql: string, params: unknown[] = []): Promise<unknown> {
  const orm = await MikroORM.init({
    clientUrl: process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 1 },
  });
  try {
    await orm.em.fork().execute(sql, params);
  } catch (error) {
    return error;
  } finally {
    await orm.close(true);
  }
  throw new Error(`${sql} did not fail`);
}
