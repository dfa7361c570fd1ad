/**
 * full-mandates.ts is the real server on Redis (as full-api-key.ts) over a database the size the
 * issue asks for: 100 organisations and 1,000,000 mandates across them, 10,000 of them the bench
 * organisation's. The rows are made by set-based INSERT … SELECT over generate_series (≈ 25 s,
 * not minutes), with ids shaped like newId's ("MD" + 10 Crockford base32 time characters + 16 of
 * hashed "randomness"), so the primary key order is creation order, as in production, and the
 * organisations' mandates interleave in time. Then ANALYZE, and the plans of the two queries the
 * service runs for GetMandate and ListMandates (page 1, 50) are printed on stderr with
 * EXPLAIN (ANALYZE, BUFFERS). fixtures: apiKey (mandates:read, bench organisation), mandateId.
 */

import type { Knex } from "@mikro-orm/postgresql";
import type { App } from "../../src/app.js";
import type { Database } from "../../src/platform/db/database.js";
import { explainCalls } from "./explain.js";
import { type SeedDeps, startFullServer } from "./full.js";
import { seedApiKey } from "./full-api-key.js";
import type { StartedServer } from "./started.js";

const organisationCount = 100;
const mandateCount = 1_000_000;
/** Mandates are created one a minute on average (≈ 1.9 years in all), the newest just now. */
const stepMs = 60_000;
/** The newest mandates (the last week) are still on their way through Bacs; older ones have settled. */
const recentFrom = mandateCount - 10_000;

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** base32 is SQL for the `chars` Crockford base32 characters of the low 5·chars bits of `expr` (bigint). */
function base32(expr: string, chars: number): string {
  const parts: string[] = [];
  for (let i = chars - 1; i >= 0; i--) parts.push(`substr('${alphabet}', ((${expr} >> ${5 * i}) & 31)::int + 1, 1)`);
  return parts.join(" || ");
}

/** idSql is SQL for a newId-shaped id from a millisecond time `t` and two hash words `h1`, `h2`. */
export function idSql(prefix: string, t: string, h1: string, h2: string): string {
  return `'${prefix}' || ${base32(t, 10)} || ${base32(h1, 12)} || ${base32(h2, 4)}`;
}

/** hashWord is SQL for 64 bits (a bigint) of the md5 of `seed`, from hex digit `from` on. */
export const hashWord = (seed: string, from: number) => `('x' || substr(md5(${seed}), ${from}, 16))::bit(64)::bigint`;

/**
 * State mix: [recent, from, to (per cent bucket), state, previous state, cause, reason code,
 * description, time from creation to the last change].
 */
const stateMix: [boolean, number, number, string, string | null, string, string | null, string, string][] = [
  [
    true,
    0,
    40,
    "PENDING_CUSTOMER_APPROVAL",
    null,
    "ORGANISATION",
    null,
    "Mandate created; the payer was sent an invite",
    "0",
  ],
  [
    true,
    40,
    60,
    "PENDING_SUBMISSION",
    "PENDING_CUSTOMER_APPROVAL",
    "PAYER",
    null,
    "The payer completed the invite",
    "2 hours",
  ],
  [true, 60, 80, "SUBMITTED", "PENDING_SUBMISSION", "PROCESSING", null, "Lodged with Bacs (AUDDIS 0N)", "1 day"],
  [true, 80, 100, "ACTIVE", "SUBMITTED", "PROCESSING", null, "No AUDDIS rejection within the waiting period", "3 days"],
  [false, 0, 75, "ACTIVE", "SUBMITTED", "PROCESSING", null, "No AUDDIS rejection within the waiting period", "3 days"],
  [
    false,
    75,
    85,
    "CANCELLED",
    "ACTIVE",
    "BACS_ADDACS",
    "1",
    "ADDACS 1: instruction cancelled by the payer",
    "200 days",
  ],
  [false, 85, 88, "SUSPENDED", "ACTIVE", "ORGANISATION", null, "Suspended by the organisation", "90 days"],
  [false, 88, 93, "FAILED", "SUBMITTED", "BACS_AUDDIS", "5", "AUDDIS 5: no account, or wrong account type", "2 days"],
  [
    false,
    93,
    100,
    "EXPIRED",
    "PENDING_CUSTOMER_APPROVAL",
    "EXPIRY",
    null,
    "The payer did not complete the invite in time",
    "7 days",
  ],
];

const lit = (value: string | null) => (value === null ? "null" : `'${value.replaceAll("'", "''")}'`);

/** insertOrganisationsSql adds the other organisations (the bench one exists already). */
function insertOrganisationsSql(baseMs: number): string {
  return `insert into organisation (id, name, sandbox, rate_limit_per_minute, rate_limit_burst, create_time, update_time)
select ${idSql("OR", `(${baseMs}::bigint - 86400000 + n * 1000)`, hashWord("'org' || n", 1), hashWord("'org' || n", 17))},
       'Organisation ' || n, n % 10 = 0, 1000, 100,
       to_timestamp((${baseMs} - 86400000 + n * 1000) / 1000.0), to_timestamp((${baseMs} - 86400000 + n * 1000) / 1000.0)
from generate_series(1, ${organisationCount - 1}) n`;
}

/** insertMandatesSql adds every mandate in one statement, organisation k = n mod 100. */
function insertMandatesSql(baseMs: number, from: number, to: number): string {
  const states = stateMix
    .map(
      ([recent, lo, hi, state, previous, cause, reason, description, delay]) =>
        `(${recent}, ${lo}, ${hi}, ${lit(state)}, ${lit(previous)}, ${lit(cause)}, ${lit(reason)}, ${lit(description)}, interval ${lit(delay)})`,
    )
    .join(",\n    ");
  const first = `(array['Olivia','Amelia','Isla','Ava','Mia','Noah','Oliver','George','Arthur','Leo','Harry','Freya','Jack','Sophia','Theo','Grace'])[1 + g.n % 16]`;
  const last = `(array['Smith','Jones','Taylor','Brown','Williams','Wilson','Johnson','Davies','Patel','Robinson','Wright','Thompson','Evans','Walker','White','Roberts','Green'])[1 + (g.n / 16) % 17]`;
  return `with orgs as (select id, (row_number() over (order by create_time, id) - 1)::int as k from organisation),
states (recent, lo, hi, state, previous, cause, reason, description, delay) as (values
    ${states}),
g as (
  select n, ${baseMs}::bigint + n * ${stepMs} + (${hashWord("n::text", 1)} & 32767) as t,
         ${hashWord("n::text", 1)} as h1, ${hashWord("n::text", 17)} as h2
  from generate_series(${from}::bigint, ${to - 1}) n
),
r as (
  select g.*, md5('acct' || g.n) as h, o.id as organisation_id, s.*, to_timestamp(g.t / 1000.0) as created, ${first} as first_name, ${last} as last_name
  from g
  join orgs o on o.k = g.n % ${organisationCount}
  join states s on s.recent = (g.n >= ${recentFrom}) and ((g.h2 >> 24) & 1023) % 100 >= s.lo and ((g.h2 >> 24) & 1023) % 100 < s.hi
)
insert into mandate (id, organisation_id, state, reference, payer_name, payer_email, payer_email_normalised,
  account_holder_name, sort_code, account_number_ending, account_number_ciphertext, metadata, resubmission_count,
  invite_expire_time, last_change_previous_state, last_change_cause, last_change_reason_code, last_change_description,
  last_change_time, create_time, update_time)
select ${idSql("MD", "t", "h1", "h2")}, organisation_id, state, 'DD' || lpad(n::text, 8, '0'),
  first_name || ' ' || last_name,
  first_name || '.' || last_name || n || '@example.com', lower(first_name || '.' || last_name || n || '@example.com'),
  case when state <> 'PENDING_CUSTOMER_APPROVAL' then first_name || ' ' || last_name end,
  case when state <> 'PENDING_CUSTOMER_APPROVAL' then lpad((((h1 >> 4) & 1048575) % 1000000)::text, 6, '0') end,
  case when state <> 'PENDING_CUSTOMER_APPROVAL' then lpad((n % 100)::text, 2, '0') end,
  case when state <> 'PENDING_CUSTOMER_APPROVAL' then 'v1.' || substr(h, 1, 16) || '.' || substr(h, 9, 22) || '.' || substr(h, 3, 11) end,
  jsonb_build_object('customer_id', 'CUS' || lpad(n::text, 7, '0')), 0,
  case when state = 'PENDING_CUSTOMER_APPROVAL' then created + interval '7 days' end,
  previous, cause, reason, description,
  least(created + delay, now()), created, least(created + delay, now())
from r`;
}

/**
 * bulkLoad runs a table's INSERTs (mandate unless told) the way bulk loads are done: its secondary indexes
 * and its unique (unless a foreign key points at them) and foreign-key constraints are dropped, the rows inserted (the statements run
 * concurrently), and every index and constraint re-created from its own definition as read from the
 * catalogue (pg_get_indexdef, pg_get_constraintdef), so the schema afterwards is exactly the migrated
 * one. Building an index once by sorting is several times faster than maintaining it row by row.
 * Nothing else uses this scratch database yet, so the steps need not share one transaction.
 */
export async function bulkLoad(knex: Knex, inserts: string[], table = "mandate"): Promise<void> {
  const dropped = await knex.transaction(async (trx) => {
    const constraints = (
      await trx.raw<{ rows: { name: string; definition: string }[] }>(
        // A unique key another table's foreign key points at stays: it cannot go while they do.
        `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint c
         where conrelid = '${table}'::regclass and contype in ('u', 'f')
           and not exists (select 1 from pg_constraint f where f.contype = 'f' and f.conindid = c.conindid and c.contype = 'u')
         order by contype desc, conname`,
      )
    ).rows;
    const indexes = (
      await trx.raw<{ rows: { name: string; definition: string }[] }>(
        `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition from pg_index i join pg_class c on c.oid = i.indexrelid
         where i.indrelid = '${table}'::regclass and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)`,
      )
    ).rows;
    for (const { name } of constraints) await trx.raw(`alter table "${table}" drop constraint "${name}"`);
    for (const { name } of indexes) await trx.raw(`drop index "${name}"`);
    return { constraints, indexes };
  });
  await Promise.all(inserts.map((sql) => knex.raw(sql)));
  await knex.transaction(async (trx) => {
    const { constraints, indexes } = dropped;
    await trx.raw(`set local maintenance_work_mem = '256MB'`);
    for (const { definition } of indexes) await trx.raw(definition);
    for (const { name, definition } of [...constraints].reverse())
      await trx.raw(`alter table "${table}" add constraint "${name}" ${definition}`);
  });
}

/** seedMandates inserts the data set and returns the bench organisation's key and one of its mandates. */
export async function seedMandates({ orm, app, admin }: SeedDeps): Promise<Record<string, string>> {
  const { apiKey = "", organisationId = "" } = await seedApiKey({ orm, app });
  const connection = adminConnection(admin);
  const bench = { id: organisationId };
  const started = Date.now();
  const baseMs = started - mandateCount * stepMs;
  // The bench organisation was created first, a moment ago: backdate it so it sorts first (k = 0).
  await connection.execute(`update organisation set create_time = to_timestamp(${baseMs - 2 * 86400000} / 1000.0)`);
  await connection.execute(insertOrganisationsSql(baseMs));
  // Two statements over the two pool connections: the machine's two cores both work on the rows.
  await bulkLoad(admin, [
    insertMandatesSql(baseMs, 0, mandateCount / 2),
    insertMandatesSql(baseMs, mandateCount / 2, mandateCount),
  ]);
  await connection.execute(`analyze organisation`);
  await connection.execute(`analyze mandate`);
  const [{ count = "0" } = {}] = await connection.execute<{ count: string }[]>(
    `select count(*)::text as count from mandate where organisation_id = '${bench.id}'`,
  );
  const [{ total = "0" } = {}] = await connection.execute<{ total: string }[]>(
    `select count(*)::text as total from mandate`,
  );
  const [{ mandate_id: mandateId = "" } = {}] = await connection.execute<{ mandate_id: string }[]>(
    `select id as mandate_id from mandate where organisation_id = '${bench.id}' order by id offset 5000 limit 1`,
  );
  process.stderr.write(
    `full-mandates: seeded ${total} mandates (${count} of organisation ${bench.id}) in ${Date.now() - started} ms\n`,
  );
  await explainServiceQueries(orm, app, bench.id, mandateId);
  return { apiKey, mandateId };
}

/**
 * explainServiceQueries runs MandateRegistry.get and .list (page 1 of 50) as the handlers do, catches
 * the SQL they send through MikroORM's onQuery hook, and prints EXPLAIN (ANALYZE, BUFFERS) of each.
 */
async function explainServiceQueries(
  orm: Database["orm"],
  app: App,
  organisationId: string,
  mandateId: string,
): Promise<void> {
  await explainCalls(orm, "full-mandates", organisationId, [
    ["GetMandate", (em) => app.mandates.get(em, mandateId)],
    [
      "ListMandates page 1 (50)",
      (em) => app.mandates.list(em, { states: [], reference: "", payerEmail: "" }, { size: 50, after: undefined }),
    ],
  ]);
}

/** adminConnection runs SQL as the superuser and answers its rows, as MikroORM's execute does. */
export function adminConnection(admin: Knex) {
  return {
    execute: async <T>(sql: string): Promise<T> => (await admin.raw(sql)).rows as T,
  };
}

/** startFullMandatesServer starts the full server on Redis, as production runs it, over the seeded mandates. */
export async function startFullMandatesServer(defer: (cleanup: () => Promise<void>) => void): Promise<StartedServer> {
  return startFullServer(defer, {
    redis: true,
    seed: seedMandates,
  });
}
