/**
 * report.service.ts answers ReportService from PostgreSQL: the collection report and the success
 * rates come from one aggregate (GROUP BY interval and state over the covering index
 * collection_organisation_id_charge_date_id_index, an index-only scan), the clawback list from the
 * (organisation_id, state, state_change_time) index. Rows never reach Node one by one: only the
 * aggregate (intervals × states) or one page. Raw SQL bypasses the tenant filter, so every query
 * takes the organisation as an explicit parameter, which callers read from the authenticated
 * caller, never from the request.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { fetchPage, type KeysetPage, type PageRequest } from "../../platform/db/keyset-page.js";
import { allowLongerStatements } from "../../platform/db/statement-timeout.js";
import { checkDateRange } from "../calendar/date-range.js";
import { londonDate, londonMidnight } from "../calendar/london-date.js";
import { addDays, type IsoDate } from "../calendar/plain-date.js";
import { type CollectionStateName, collectionStates } from "../collections/collection-lifecycle.js";
import { InvalidArgumentError } from "../errors.js";
import { checkReportRange, isReportInterval, type ReportIntervalName, reportPeriods } from "./report-intervals.js";

/** ReportQuery is a report's range (inclusive charge dates) and row length ("" or unknown: refused). */
export interface ReportQuery {
  from: string;
  to: string;
  interval: string;
}

/** StateTotal counts and sums the collections of one row in one state. */
export interface StateTotal {
  state: CollectionStateName;
  count: number;
  amountMinor: bigint;
}

/** CollectionReportRow is one interval of the collection report. */
export interface CollectionReportRow {
  startDate: IsoDate;
  endDate: IsoDate;
  /** One per collection state, in collectionStates order, zeros included. */
  stateTotals: StateTotal[];
  count: number;
  amountMinor: bigint;
}

/** CollectionReport is the rows of GetCollectionReport and their total over the whole range. */
export interface CollectionReport {
  rows: CollectionReportRow[];
  total: CollectionReportRow;
}

/** SuccessRateRow is one interval's outcomes; the rates are undefined when it has none. */
export interface SuccessRateRow {
  startDate: IsoDate;
  endDate: IsoDate;
  paidCount: number;
  failedCount: number;
  chargedBackCount: number;
  successRate: number | undefined;
  failureRate: number | undefined;
  chargeBackRate: number | undefined;
}

/** SuccessRates is the rows of GetSuccessRates and their total over the whole range. */
export interface SuccessRates {
  rows: SuccessRateRow[];
  total: SuccessRateRow;
}

/** ClawbackFilter is ListClawbacks' filters: inclusive London dates of the charge-back ("" for none). */
export interface ClawbackFilter {
  from: string;
  to: string;
}

/**
 * ClawbackCursor is where a clawback page starts: after this (charge-back time, id), newest first.
 * The time is RFC 3339 in UTC with microseconds, PostgreSQL's precision, so no tie is lost.
 */
export interface ClawbackCursor {
  chargeBackTime: string;
  id: string;
}

/** Clawback is one charged-back collection as ListClawbacks shows it. */
export interface Clawback {
  collectionId: string;
  mandateId: string;
  amountMinor: bigint;
  currency: string;
  chargeDate: IsoDate;
  chargeBackDate: IsoDate;
  /** RFC 3339 in UTC with microseconds ("2026-11-27T21:28:12.123456Z"). */
  chargeBackTime: string;
  reasonCode: string;
}

/** Paid collections for the success rate: confirmed by Bacs or already paid out. */
const paidStates: ReadonlySet<CollectionStateName> = new Set(["CONFIRMED", "PAID_OUT"]);

/** PostgreSQL's date_trunc field per interval: it agrees with intervalStart (weeks start on Monday). */
const truncField: Record<ReportIntervalName, string> = { DAY: "day", WEEK: "week", MONTH: "month" };

/**
 * The aggregate: the tuples of one organisation and charge-date range come from the covering
 * index alone (index-only scan). They are summed per day and state first, a cheap hash on two
 * columns, and only those few hundred groups are put into intervals: date_trunc per tuple costs
 * more than the scan. date_trunc works on the date as a timestamp without time zone, so the
 * session's time zone plays no part (charge dates are London dates already).
 */
const totalsSql = `select to_char(date_trunc(?, charge_date::timestamp), 'YYYY-MM-DD') as bucket, state,
  sum(count)::int as count, sum(amount_minor)::text as amount_minor
from (
  select charge_date, state, count(*) as count, sum(amount_minor) as amount_minor
  from collection
  where organisation_id = ? and charge_date >= ? and charge_date <= ?
  group by charge_date, state
) as per_day
group by 1, 2`;

const lastCalendarDay = "9999-12-31";

const utcMicros = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** ReportManager computes the organisation's reports. */
export class ReportManager {
  /**
   * @param statementTimeoutMs how long a report's aggregate may run: longer than other statements,
   *   as it reads up to two years of collections; undefined keeps the connection's limit.
   */
  constructor(private readonly statementTimeoutMs?: number) {}

  /** collectionReport counts and sums the collections charged in [from, to] per interval and state. */
  async collectionReport(em: EntityManager, organisationId: string, query: ReportQuery): Promise<CollectionReport> {
    const { from, to, interval } = checkQuery(query);
    if (this.statementTimeoutMs !== undefined) await allowLongerStatements(em, this.statementTimeoutMs);
    const periods = reportPeriods(from, to, interval);
    const byKey = new Map(periods.map((period, index) => [period.key, index]));
    const sums = periods.map(() => new Map<CollectionStateName, { count: number; amountMinor: bigint }>());
    const found = await em
      .getConnection()
      .execute<{ bucket: string; state: CollectionStateName; count: number; amount_minor: string }[]>(
        totalsSql,
        [truncField[interval], organisationId, from, to],
        "all",
        em.getTransactionContext(),
      );
    for (const row of found) {
      const index = byKey.get(row.bucket);
      if (index === undefined)
        throw new Error(`report bucket ${row.bucket} is outside [${from}, ${to}] by ${interval}`);
      sums[index]!.set(row.state, { count: row.count, amountMinor: BigInt(row.amount_minor) });
    }
    const rows = periods.map((period, index) => reportRow(period.startDate, period.endDate, [sums[index]!]));
    return { rows, total: reportRow(from, to, sums) };
  }

  /** successRates gives the outcomes of the collections charged in [from, to] per interval. */
  async successRates(em: EntityManager, organisationId: string, query: ReportQuery): Promise<SuccessRates> {
    const report = await this.collectionReport(em, organisationId, query);
    return { rows: report.rows.map(successRateRow), total: successRateRow(report.total) };
  }

  /** listClawbacks returns one page of charged-back collections, newest charge-back first, and whether more follow. */
  async listClawbacks(
    em: EntityManager,
    organisationId: string,
    filter: ClawbackFilter,
    page: PageRequest<ClawbackCursor>,
  ): Promise<KeysetPage<Clawback, ClawbackCursor>> {
    checkDateRange(filter.from, filter.to);
    const conditions = [`organisation_id = ?`, `state = 'CHARGED_BACK'`];
    const params: unknown[] = [organisationId];
    // charge_back_date is the London date of state_change_time: a day is [its midnight, the next one's).
    if (filter.from !== "") {
      conditions.push(`state_change_time >= ?::timestamptz`);
      params.push(londonMidnight(filter.from).toISOString());
    }
    // The last calendar day (9999-12-31, a common "no end") has no next midnight: no upper bound then.
    if (filter.to !== "" && filter.to < lastCalendarDay) {
      conditions.push(`state_change_time < ?::timestamptz`);
      params.push(londonMidnight(addDays(filter.to, 1)).toISOString());
    }
    if (page.after) {
      // The first condition bounds the index scan; the second breaks ties on the time by id.
      conditions.push(`state_change_time <= ?::timestamptz`, `(state_change_time < ?::timestamptz or id < ?)`);
      params.push(page.after.chargeBackTime, page.after.chargeBackTime, page.after.id);
    }
    const found = await fetchPage(
      page.size,
      (limit) =>
        em.getConnection().execute<ClawbackRow[]>(
          `select id, mandate_id, amount_minor::text as amount_minor, currency, charge_date, reason_code,
             to_char(state_change_time at time zone 'UTC', ${utcMicros}) as charge_back_time
           from collection
           where ${conditions.join(" and ")}
           order by state_change_time desc, id desc
           limit ?`,
          [...params, limit],
          "all",
          em.getTransactionContext(),
        ),
      (row) => ({ chargeBackTime: row.charge_back_time, id: row.id }),
    );
    return { ...found, items: found.items.map(clawbackOf) };
  }
}

/** ClawbackRow is a row of the clawback query. */
interface ClawbackRow {
  id: string;
  mandate_id: string;
  amount_minor: string;
  currency: string;
  charge_date: string;
  reason_code: string | null;
  charge_back_time: string;
}

function clawbackOf(row: ClawbackRow): Clawback {
  return {
    collectionId: row.id,
    mandateId: row.mandate_id,
    amountMinor: BigInt(row.amount_minor),
    currency: row.currency,
    chargeDate: row.charge_date,
    chargeBackDate: londonDate(new Date(row.charge_back_time)),
    chargeBackTime: row.charge_back_time,
    reasonCode: row.reason_code ?? "",
  };
}

/** checkQuery validates a report query (every bad field at once) and returns it typed. */
function checkQuery(query: ReportQuery): { from: IsoDate; to: IsoDate; interval: ReportIntervalName } {
  const violations = checkReportRange(query.from, query.to);
  if (!isReportInterval(query.interval))
    violations.push({
      field: "interval",
      description: "must be REPORT_INTERVAL_DAY, REPORT_INTERVAL_WEEK or REPORT_INTERVAL_MONTH",
    });
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  return { from: query.from, to: query.to, interval: query.interval as ReportIntervalName };
}

/** reportRow adds up the per-state sums of one or more intervals into a row. */
function reportRow(
  startDate: IsoDate,
  endDate: IsoDate,
  sums: readonly Map<CollectionStateName, { count: number; amountMinor: bigint }>[],
): CollectionReportRow {
  const stateTotals = collectionStates.map((state) => {
    let count = 0;
    let amountMinor = 0n;
    for (const sum of sums) {
      const found = sum.get(state);
      if (found) {
        count += found.count;
        amountMinor += found.amountMinor;
      }
    }
    return { state, count, amountMinor };
  });
  return {
    startDate,
    endDate,
    stateTotals,
    count: stateTotals.reduce((n, t) => n + t.count, 0),
    amountMinor: stateTotals.reduce((n, t) => n + t.amountMinor, 0n),
  };
}

/** successRateRow reads a report row's outcomes: paid (CONFIRMED, PAID_OUT), FAILED, CHARGED_BACK. */
function successRateRow(row: CollectionReportRow): SuccessRateRow {
  const countOf = (match: (state: CollectionStateName) => boolean) =>
    row.stateTotals.filter((t) => match(t.state)).reduce((n, t) => n + t.count, 0);
  const paidCount = countOf((s) => paidStates.has(s));
  const failedCount = countOf((s) => s === "FAILED");
  const chargedBackCount = countOf((s) => s === "CHARGED_BACK");
  const outcomes = paidCount + failedCount + chargedBackCount;
  const rate = (count: number) => (outcomes === 0 ? undefined : count / outcomes);
  return {
    startDate: row.startDate,
    endDate: row.endDate,
    paidCount,
    failedCount,
    chargedBackCount,
    successRate: rate(paidCount),
    failureRate: rate(failedCount),
    chargeBackRate: rate(chargedBackCount),
  };
}
