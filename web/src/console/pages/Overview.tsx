/**
 * Overview is the first page after sign-in: open alerts, mandates by state, and this month's
 * collections with their success rate. Each part shows only if the user's role may read it.
 */
import { useQuery } from "@connectrpc/connect-query";
import { AlertService, AlertState } from "../../../../gen/dd/v1/alerts_pb.js";
import { MandateService, MandateState } from "../../../../gen/dd/v1/mandates_pb.js";
import { ReportInterval, ReportService } from "../../../../gen/dd/v1/reports_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { londonToday } from "../dates.js";
import { when } from "../format.js";
import { money } from "../money.js";
import { Link } from "../router.js";
import { useStaff } from "../session.js";

/** Mandate states grouped as staff act on them. */
const mandateGroups: readonly { label: string; states: MandateState[] }[] = [
  { label: "Waiting for the payer", states: [MandateState.PENDING_CUSTOMER_APPROVAL] },
  { label: "With the bank", states: [MandateState.PENDING_SUBMISSION, MandateState.SUBMITTED] },
  { label: "Active", states: [MandateState.ACTIVE] },
  { label: "Suspended", states: [MandateState.SUSPENDED] },
  { label: "Ended", states: [MandateState.CANCELLED, MandateState.FAILED, MandateState.EXPIRED] },
];

/** Lists are counted a page at a time; past one page the count reads "500+". */
const countPage = 500;

export default function Overview() {
  const staff = useStaff();
  return (
    <>
      <h1>Overview</h1>
      <div className="cards">
        {staff.may("alerts:read") && <OpenAlerts />}
        {staff.may("reports:read") && <ThisMonth />}
      </div>
      {staff.may("mandates:read") && <MandatesByState />}
    </>
  );
}

function OpenAlerts() {
  const alerts = useQuery(AlertService.method.listAlerts, { state: [AlertState.OPEN], pageSize: countPage });
  const open = alerts.data?.alerts ?? [];
  return (
    <section className="card" aria-labelledby="open-alerts-heading">
      <h2 id="open-alerts-heading">Open alerts</h2>
      <ProblemBanner
        problem={alerts.error ? problemOf(alerts.error) : undefined}
        onRetry={() => void alerts.refetch()}
      />
      {alerts.data && (
        <>
          <p className="figure">
            {open.length}
            {alerts.data.nextPageToken ? "+" : ""}
          </p>
          <ul className="plain">
            {open.slice(0, 3).map((a) => (
              <li key={a.id}>
                {a.message} <span className="hint">{when(a.createTime)}</span>
              </li>
            ))}
          </ul>
          <Link to="/alerts">All alerts</Link>
        </>
      )}
    </section>
  );
}

function ThisMonth() {
  const to = londonToday();
  const range = { from: `${to.slice(0, 8)}01`, to, interval: ReportInterval.MONTH };
  const report = useQuery(ReportService.method.getCollectionReport, range);
  const rates = useQuery(ReportService.method.getSuccessRates, range);
  const total = report.data?.total;
  const rate = rates.data?.total?.successRate;
  const error = report.error ?? rates.error;
  return (
    <section className="card" aria-labelledby="month-heading">
      <h2 id="month-heading">Collections this month</h2>
      <ProblemBanner problem={error ? problemOf(error) : undefined} />
      {total && (
        <>
          <p className="figure">{money(total.amountMinor, report.data?.currency ?? "GBP")}</p>
          <p>
            {String(total.count)} collections charged from {range.from} to {range.to}; success rate{" "}
            <strong>{rate === undefined ? "— (no outcomes yet)" : `${(rate * 100).toFixed(1)}%`}</strong>.
          </p>
          <Link to="/reports">Reports</Link>
        </>
      )}
    </section>
  );
}

function MandatesByState() {
  return (
    <section aria-labelledby="mandates-heading">
      <h2 id="mandates-heading">Mandates by state</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Mandates</th>
            </tr>
          </thead>
          <tbody>
            {mandateGroups.map((group) => (
              <MandateCount key={group.label} label={group.label} states={group.states} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function MandateCount({ label, states }: { label: string; states: MandateState[] }) {
  const list = useQuery(MandateService.method.listMandates, { state: states, pageSize: countPage });
  const count = list.data ? `${list.data.mandates.length}${list.data.nextPageToken ? "+" : ""}` : "…";
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{list.error ? problemOf(list.error).message : count}</td>
    </tr>
  );
}
