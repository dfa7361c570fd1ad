/**
 * full-reports.ts is the real server on Redis over 1,000,000 collections of 100 organisations,
 * 100,000 of them the bench organisation's (one in ten; the other 900,000 spread over 99
 * organisations), with charge dates spread over the last ~14 months (a few days ahead: pending),
 * in a realistic mix of states, under 10,000 mandates. Rows are made by set-based INSERT … SELECT
 * over generate_series with the collection table's indexes and constraints dropped and rebuilt
 * (bulkLoad of full-mandates.ts), then VACUUM ANALYZE, so the visibility map is set and the report
 * aggregate can be an index-only scan as it would be on a table autovacuum keeps up with. The plans
 * of the SQL ReportManager sends for GetCollectionReport (12 months, monthly; GetSuccessRates runs
 * the same aggregate) and for ListClawbacks page 1 are printed on stderr with EXPLAIN (ANALYZE,
 * BUFFERS). fixtures: apiKey (reports:read, bench organisation), reportFrom, reportTo (the 12 whole
 * months before the current one).
 */

import type { App } from "../../src/app.js";
import { londonDate } from "../../src/modules/calendar/london-date.js";
import { addDays } from "../../src/modules/calendar/plain-date.js";
import { addMonths } from "../../src/modules/reports/report-intervals.js";
import type { Database } from "../../src/platform/db/database.js";
import { explainCalls } from "./explain.js";
import { type SeedDeps, startFullServer } from "./full.js";
import { seedApiKey } from "./full-api-key.js";
import { adminConnection, bulkLoad, hashWord, idSql } from "./full-mandates.js";
import type { StartedServer } from "./started.js";

const organisationCount = 100;
const collectionCount = 1_000_000;
const mandateCount = 10_000;
/** Charge dates run over this many days, ending a few days after today. */
const spanDays = 430;
const futureDays = 5;

/** organisationOf is SQL for the organisation number (0 = bench) of row `x` (n mod 1000): one in ten is the bench's. */
const organisationOf = (x: string) => `(case when ${x} % 10 = 0 then 0 else 1 + ${x} % 99 end)`;

/** insertOrganisationsSql adds the other organisations (the bench one exists already). */
function insertOrganisationsSql(baseMs: number): string {
  return `insert into organisation (id, name, sandbox, rate_limit_per_minute, rate_limit_burst, create_time, update_time)
select ${idSql("OR", `(${baseMs}::bigint + n * 1000)`, hashWord("'org' || n", 1), hashWord("'org' || n", 17))},
       'Organisation ' || n, false, 1000, 100, to_timestamp((${baseMs} + n * 1000) / 1000.0), to_timestamp((${baseMs} + n * 1000) / 1000.0)
from generate_series(1, ${organisationCount - 1}) n`;
}

const orgsCte = `orgs as (select id, (row_number() over (order by create_time, id) - 1)::int as k from organisation)`;

/** insertMandatesSql adds the mandates the collections are taken under, m mod 1000 choosing the organisation as for collections. */
function insertMandatesSql(baseMs: number): string {
  return `with ${orgsCte}
insert into mandate (id, organisation_id, state, reference, payer_name, payer_email, payer_email_normalised, account_holder_name,
  sort_code, account_number_ending, metadata, last_change_cause, last_change_description, last_change_time, create_time, update_time)
select ${idSql("MD", `(${baseMs}::bigint + m * 1000)`, hashWord("'md' || m", 1), hashWord("'md' || m", 17))}, o.id, 'ACTIVE',
  'RPT' || lpad(m::text, 8, '0'), 'Payer ' || m, 'payer' || m || '@example.com', 'payer' || m || '@example.com', 'Payer ' || m,
  '200415', lpad((m % 100)::text, 2, '0'), '{}'::jsonb, 'PROCESSING', 'No AUDDIS rejection within the waiting period',
  to_timestamp((${baseMs} + m * 1000) / 1000.0), to_timestamp((${baseMs} + m * 1000) / 1000.0), to_timestamp((${baseMs} + m * 1000) / 1000.0)
from generate_series(0, ${mandateCount - 1}) m
join orgs o on o.k = ${organisationOf("(m % 1000)")}`;
}

/**
 * insertCollectionsSql adds collections n in [from, to): organisation by n mod 1000, mandate n mod
 * 10,000 (same organisation), charge date and state from hashes of n. Charge dates after today are
 * pending; the others: 70 % paid out, 6 % confirmed, 8 % failed, 2 % charged back 30–90 days later,
 * 4 % submitted, 5 % pending, 5 % cancelled.
 */
function insertCollectionsSql(first: IsoDateString, today: IsoDateString, from: number, to: number): string {
  return `with g as (
  select n, ${hashWord("'cl' || n", 1)} as h1, ${hashWord("'cl' || n", 17)} as h2 from generate_series(${from}::bigint, ${to - 1}) n
),
r as (
  select g.*, date '${first}' + ((h1 >> 8) & 65535)::int % ${spanDays} as charge_day, ((h2 >> 20) & 1023)::int % 100 as b
  from g
),
s as (
  select r.*, to_char(charge_day, 'YYYY-MM-DD') as charge_date,
    case when charge_day > date '${today}' then 'PENDING_SUBMISSION'
         when b < 70 then 'PAID_OUT' when b < 76 then 'CONFIRMED' when b < 84 then 'FAILED' when b < 86 then 'CHARGED_BACK'
         when b < 90 then 'SUBMITTED' when b < 95 then 'PENDING_SUBMISSION' else 'CANCELLED' end as state,
    (charge_day - 10)::timestamp at time zone 'UTC' + (n % 86400000) * interval '1 millisecond' as created
  from r
)
insert into collection (id, organisation_id, mandate_id, schedule_id, amount_minor, currency, charge_date,
  original_charge_date, notice_date, state, reason_code, description, state_change_time, paid_out_time, create_time,
  update_time)
select ${idSql("CL", "(extract(epoch from created) * 1000)::bigint", "h1", "h2")}, md.organisation_id, md.id, null,
  500 + (h1 >> 24) % 200000, 'GBP', charge_date, charge_date, to_char(charge_day - 14, 'YYYY-MM-DD'), s.state,
  case s.state when 'FAILED' then '0' when 'CHARGED_BACK' then (1 + b % 8)::text end,
  'Monthly subscription',
  least(now(), case s.state
    when 'CHARGED_BACK' then charge_day::timestamp at time zone 'UTC' + interval '30 days' + (h2 & 5183999) * interval '1 second'
    when 'PENDING_SUBMISSION' then created
    else charge_day::timestamp at time zone 'UTC' + interval '3 days' + interval '6 hours' end),
  case when s.state in ('PAID_OUT', 'CHARGED_BACK') then least(now(), charge_day::timestamp at time zone 'UTC' + interval '2 days') end,
  created, created
from s
join mandate md on md.reference = 'RPT' || lpad((n % ${mandateCount})::text, 8, '0')`;
}

type IsoDateString = string;

/** seedReports inserts the data set and returns the bench organisation's key and the report range. */
export async function seedReports({ orm, app, admin }: SeedDeps): Promise<Record<string, string>> {
  const { apiKey = "", organisationId = "" } = await seedApiKey({ orm, app }, ["reports:read"]);
  const connection = adminConnection(admin);
  const bench = { id: organisationId };
  const started = Date.now();
  const today = londonDate(new Date(started));
  const first = addDays(today, futureDays - spanDays);
  const baseMs = Date.parse(`${first}T00:00:00Z`) - 30 * 86_400_000;
  // The bench organisation sorts first (k = 0).
  await connection.execute(`update organisation set create_time = to_timestamp(${baseMs - 86_400_000} / 1000.0)`);
  await connection.execute(insertOrganisationsSql(baseMs));
  await connection.execute(insertMandatesSql(baseMs));
  await connection.execute(`analyze mandate`);
  const half = collectionCount / 2;
  await bulkLoad(
    admin,
    [insertCollectionsSql(first, today, 0, half), insertCollectionsSql(first, today, half, collectionCount)],
    "collection",
  );
  await connection.execute(`vacuum analyze collection`);
  await connection.execute(`analyze organisation`);
  const [{ count = "0" } = {}] = await connection.execute<{ count: string }[]>(
    `select count(*)::text as count from collection where organisation_id = '${bench.id}'`,
  );
  const [{ total = "0" } = {}] = await connection.execute<{ total: string }[]>(
    `select count(*)::text as total from collection`,
  );
  process.stderr.write(
    `full-reports: seeded ${total} collections (${count} of organisation ${bench.id}) in ${Date.now() - started} ms\n`,
  );
  const thisMonth = `${today.slice(0, 8)}01`;
  const reportFrom = addMonths(thisMonth, -12);
  const reportTo = addDays(thisMonth, -1);
  await explainServiceQueries(orm, app, bench.id, reportFrom, reportTo);
  return { apiKey, reportFrom, reportTo };
}

/**
 * explainServiceQueries runs ReportManager.collectionReport (12 months, monthly) and listClawbacks
 * (page 1 of 50) as the handlers do, catches the SQL through MikroORM's onQuery hook, and prints
 * EXPLAIN (ANALYZE, BUFFERS) of each.
 */
async function explainServiceQueries(
  orm: Database["orm"],
  app: App,
  organisationId: string,
  from: string,
  to: string,
): Promise<void> {
  await explainCalls(orm, "full-reports", organisationId, [
    [
      `GetCollectionReport / GetSuccessRates ${from}..${to} monthly`,
      (em) => app.reports.collectionReport(em, organisationId, { from, to, interval: "MONTH" }),
    ],
    [
      "ListClawbacks page 1 (50)",
      (em) => app.reports.listClawbacks(em, organisationId, { from: "", to: "" }, { size: 50, after: undefined }),
    ],
  ]);
}

/** startFullReportsServer starts the full server on Redis, as production runs it, over the seeded collections. */
export async function startFullReportsServer(defer: (cleanup: () => Promise<void>) => void): Promise<StartedServer> {
  return startFullServer(defer, {
    redis: true,
    seed: seedReports,
  });
}
