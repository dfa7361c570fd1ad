/**
 * Reports shows, over a date range and per day, week or month: the success rate as a line, the
 * collections by state as stacked bars, and the clawbacks (indemnity claims) as a table. Each can be
 * downloaded as CSV and read as a table, since a canvas says nothing to a screen reader.
 */
import { useQuery } from "@connectrpc/connect-query";
import { useMemo, useState } from "react";
import uPlot from "uplot";
import { CollectionState } from "../../../../gen/dd/v1/collections_pb.js";
import {
  type GetCollectionReportResponse,
  type GetSuccessRatesResponse,
  ReportInterval,
  ReportService,
} from "../../../../gen/dd/v1/reports_pb.js";
import { problemOf } from "../../shared/errors.js";
import { Field, SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { londonToday, shiftMonths } from "../dates.js";
import { money } from "../money.js";
import { Pager, usePages } from "../Pager.js";
import { Chart, categoryX } from "../reports/Chart.js";
import { downloadCsv } from "../reports/csv.js";
import { enumLabel } from "../states.js";

const intervals: readonly { value: ReportInterval; label: string }[] = [
  { value: ReportInterval.DAY, label: "Day" },
  { value: ReportInterval.WEEK, label: "Week" },
  { value: ReportInterval.MONTH, label: "Month" },
];

/** States drawn bottom to top, each with a colour that keeps AA contrast against white. */
const stateColours: readonly [CollectionState, string][] = [
  [CollectionState.PAID_OUT, "#1e7a3c"],
  [CollectionState.CONFIRMED, "#2f9e62"],
  [CollectionState.SUBMITTED, "#1f5fbf"],
  [CollectionState.PENDING_SUBMISSION, "#7b8494"],
  [CollectionState.FAILED, "#b3261e"],
  [CollectionState.CHARGED_BACK, "#c25e00"],
  [CollectionState.CANCELLED, "#b9bfca"],
];

export default function Reports() {
  const today = londonToday();
  const [from, setFrom] = useState(`${shiftMonths(today, -5).slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [interval, setInterval] = useState(ReportInterval.MONTH);
  const range = { from, to, interval };
  const rates = useQuery(ReportService.method.getSuccessRates, range);
  const report = useQuery(ReportService.method.getCollectionReport, range);

  return (
    <>
      <h1>Reports</h1>
      <search className="filters">
        <Field label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.currentTarget.value)} />
        <Field label="To" type="date" value={to} min={from} onChange={(e) => setTo(e.currentTarget.value)} />
        <SelectField
          label="Per"
          value={interval}
          onChange={(e) => setInterval(Number(e.currentTarget.value) as ReportInterval)}
        >
          {intervals.map((i) => (
            <option key={i.value} value={i.value}>
              {i.label}
            </option>
          ))}
        </SelectField>
      </search>
      <section aria-labelledby="rates-heading">
        <div className="section-head">
          <h2 id="rates-heading">Success rate</h2>
          {rates.data && (
            <button type="button" onClick={() => downloadRates(rates.data, from, to)}>
              Download success rates (CSV)
            </button>
          )}
        </div>
        <ProblemBanner
          problem={rates.error ? problemOf(rates.error) : undefined}
          onRetry={() => void rates.refetch()}
        />
        {rates.data && <SuccessRates data={rates.data} interval={interval} />}
      </section>
      <section aria-labelledby="states-heading">
        <div className="section-head">
          <h2 id="states-heading">Collections by state</h2>
          {report.data && (
            <button type="button" onClick={() => downloadReport(report.data, from, to)}>
              Download collections by state (CSV)
            </button>
          )}
        </div>
        <ProblemBanner
          problem={report.error ? problemOf(report.error) : undefined}
          onRetry={() => void report.refetch()}
        />
        {report.data && <CollectionsByState data={report.data} interval={interval} />}
      </section>
      <Clawbacks key={`${from}:${to}`} from={from} to={to} />
    </>
  );
}

const monthLabel = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
const dayLabel = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

/** axisLabels names each row on the x axis by its first day: "Dec 2026" per month, else "7 Dec". */
function axisLabels(rows: readonly { startDate: string }[], interval: ReportInterval): string[] {
  const format = interval === ReportInterval.MONTH ? monthLabel : dayLabel;
  return rows.map((r) => format.format(new Date(`${r.startDate}T00:00:00Z`)));
}

const percent = (rate: number | undefined) => (rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`);

function SuccessRates({ data, interval }: { data: GetSuccessRatesResponse; interval: ReportInterval }) {
  const chart = useMemo(() => {
    const x = categoryX(axisLabels(data.rows, interval));
    const options: Omit<uPlot.Options, "width" | "height"> = {
      legend: { show: false },
      scales: { ...x.scales, y: { range: [0, 100] } },
      axes: [...(x.axes ?? []), { values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
      series: [{}, { label: "Success rate", stroke: "#1f5fbf", width: 2, points: { show: true, size: 7 } }],
    };
    // Intervals without an outcome have no rate: a gap in the line, not a 0.
    const rates = data.rows.map((r) => (r.successRate === undefined ? null : r.successRate * 100));
    return { options, data: [x.xs, rates] as uPlot.AlignedData };
  }, [data, interval]);
  const total = data.total;
  const summary = `Success rate per interval: ${data.rows
    .map((r) => `${r.startDate} ${percent(r.successRate)}`)
    .join("; ")}. Over the whole range: ${percent(total?.successRate)}.`;
  return (
    <>
      <p>
        Over the range: <strong>{percent(total?.successRate)}</strong> paid of {String(outcomes(total))} collections
        with an outcome; failed {percent(total?.failureRate)}, charged back {percent(total?.chargeBackRate)}.
      </p>
      <Chart summary={summary} options={chart.options} data={chart.data} />
      <details>
        <summary>Success rates as a table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Paid</th>
                <th scope="col">Failed</th>
                <th scope="col">Charged back</th>
                <th scope="col">Success rate</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={r.startDate}>
                  <th scope="row">{r.startDate}</th>
                  <td>{r.endDate}</td>
                  <td>{String(r.paidCount)}</td>
                  <td>{String(r.failedCount)}</td>
                  <td>{String(r.chargedBackCount)}</td>
                  <td>{percent(r.successRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

function outcomes(row: { paidCount: bigint; failedCount: bigint; chargedBackCount: bigint } | undefined): bigint {
  return row ? row.paidCount + row.failedCount + row.chargedBackCount : 0n;
}

function countOf(row: GetCollectionReportResponse["rows"][number], state: CollectionState): number {
  return Number(row.stateTotals.find((t) => t.state === state)?.count ?? 0n);
}

function CollectionsByState({ data, interval }: { data: GetCollectionReportResponse; interval: ReportInterval }) {
  const chart = useMemo(() => {
    // Stacked by hand: each series is the running total up to its state, drawn tallest first so
    // every state's band shows above the ones beneath it.
    const running = data.rows.map(() => 0);
    const stacked = stateColours.map(([state]) =>
      data.rows.map((row, i) => {
        running[i] = (running[i] ?? 0) + countOf(row, state);
        return running[i] ?? 0;
      }),
    );
    const order = stateColours.map((_, i) => stateColours.length - 1 - i);
    const x = categoryX(axisLabels(data.rows, interval));
    const options: Omit<uPlot.Options, "width" | "height"> = {
      legend: { show: false },
      scales: { ...x.scales, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [...(x.axes ?? []), { values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : "")) }],
      series: [
        {},
        ...order.map((i) => ({
          label: enumLabel(CollectionState[stateColours[i]![0]]),
          fill: stateColours[i]![1],
          width: 0,
          paths: barPaths,
          points: { show: false },
        })),
      ],
    };
    return { options, data: [x.xs, ...order.map((i) => stacked[i]!)] as uPlot.AlignedData };
  }, [data, interval]);
  const summary = `Collections per interval by state: ${data.rows
    .map((r) => `${r.startDate}: ${String(r.count)} collections`)
    .join("; ")}.`;
  return (
    <>
      <p>
        {String(data.total?.count ?? 0n)} collections, {money(data.total?.amountMinor ?? 0n, data.currency)} in all.
      </p>
      <ul className="legend" aria-label="Colours">
        {stateColours.map(([state, colour]) => (
          <li key={state}>
            <span className="swatch" style={{ background: colour }} aria-hidden="true" />
            {enumLabel(CollectionState[state])}
          </li>
        ))}
      </ul>
      <Chart summary={summary} options={chart.options} data={chart.data} />
      <details>
        <summary>Collections by state as a table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">From</th>
                {stateColours.map(([state]) => (
                  <th scope="col" key={state}>
                    {enumLabel(CollectionState[state])}
                  </th>
                ))}
                <th scope="col">All</th>
                <th scope="col">Amount</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={r.startDate}>
                  <th scope="row">{r.startDate}</th>
                  {stateColours.map(([state]) => (
                    <td key={state}>{countOf(r, state)}</td>
                  ))}
                  <td>{String(r.count)}</td>
                  <td>{money(r.amountMinor, data.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

// Bars 70% of an interval wide, at most 60 px.
const barPaths = uPlot.paths.bars?.({ size: [0.7, 60] });

function Clawbacks({ from, to }: { from: string; to: string }) {
  const pages = usePages();
  const list = useQuery(ReportService.method.listClawbacks, { from, to, pageSize: 50, pageToken: pages.pageToken });
  const rows = list.data?.clawbacks ?? [];
  return (
    <section aria-labelledby="clawbacks-heading">
      <div className="section-head">
        <h2 id="clawbacks-heading">Clawbacks</h2>
        {rows.length > 0 && (
          <button
            type="button"
            onClick={() =>
              downloadCsv(`clawbacks-${from}-${to}`, [
                [
                  "collection_id",
                  "mandate_id",
                  "charge_date",
                  "charge_back_date",
                  "amount_minor",
                  "currency",
                  "reason_code",
                ],
                ...rows.map((c) => [
                  c.collectionId,
                  c.mandateId,
                  c.chargeDate,
                  c.chargeBackDate,
                  String(c.amountMinor),
                  c.currency,
                  c.reasonCode,
                ]),
              ])
            }
          >
            Download clawbacks (CSV)
          </button>
        )}
      </div>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data &&
        (rows.length === 0 ? (
          <p>No clawbacks in this range.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Clawbacks</caption>
              <thead>
                <tr>
                  <th scope="col">Charged back</th>
                  <th scope="col">Charge date</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Reason code</th>
                  <th scope="col">Collection</th>
                  <th scope="col">Mandate</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.collectionId}>
                    <th scope="row">{c.chargeBackDate}</th>
                    <td>{c.chargeDate}</td>
                    <td>{money(c.amountMinor, c.currency)}</td>
                    <td>{c.reasonCode}</td>
                    <td>
                      <code>{c.collectionId}</code>
                    </td>
                    <td>
                      <code>{c.mandateId}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Clawback pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
    </section>
  );
}

function downloadRates(data: GetSuccessRatesResponse, from: string, to: string): void {
  const rate = (r: number | undefined) => (r === undefined ? "" : r.toFixed(4));
  downloadCsv(`success-rates-${from}-${to}`, [
    [
      "start_date",
      "end_date",
      "paid_count",
      "failed_count",
      "charged_back_count",
      "success_rate",
      "failure_rate",
      "charge_back_rate",
    ],
    ...data.rows.map((r) => [
      r.startDate,
      r.endDate,
      String(r.paidCount),
      String(r.failedCount),
      String(r.chargedBackCount),
      rate(r.successRate),
      rate(r.failureRate),
      rate(r.chargeBackRate),
    ]),
  ]);
}

function downloadReport(data: GetCollectionReportResponse, from: string, to: string): void {
  downloadCsv(`collections-by-state-${from}-${to}`, [
    [
      "start_date",
      "end_date",
      ...stateColours.map(([s]) => CollectionState[s].toLowerCase()),
      "count",
      "amount_minor",
      "currency",
    ],
    ...data.rows.map((r) => [
      r.startDate,
      r.endDate,
      ...stateColours.map(([s]) => countOf(r, s)),
      String(r.count),
      String(r.amountMinor),
      data.currency,
    ]),
  ]);
}
