/**
 * Thresholds shows when the organisation is alerted: one threshold per alert type, its limit and
 * window, and who last changed it. Staff with alerts:write edit them.
 */
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { AlertService, type AlertThreshold, AlertType } from "../../../../gen/dd/v1/alerts_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { when } from "../format.js";
import { pounds } from "../money.js";
import { useStaff } from "../session.js";
import { useActorName } from "./actors.js";
import { alertTypeNames } from "./alertTypes.js";
import { ThresholdDialog } from "./ThresholdDialog.js";

export function Thresholds() {
  const staff = useStaff();
  const actorName = useActorName();
  const [editing, setEditing] = useState<AlertThreshold>();
  const list = useQuery(AlertService.method.listAlertThresholds, { pageSize: 500 });
  const writer = staff.may("alerts:write");

  return (
    <section aria-labelledby="thresholds-heading">
      <h2 id="thresholds-heading">Thresholds</h2>
      <p className="lede">When an alert is raised. Changes apply from the next collection or mandate outcome.</p>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Alert thresholds</caption>
            <thead>
              <tr>
                <th scope="col">Watches</th>
                <th scope="col">Alerts</th>
                <th scope="col">Raised when</th>
                <th scope="col">Window</th>
                <th scope="col">Last changed</th>
                {writer && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.data.alertThresholds.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{alertTypeNames[t.type]}</th>
                  <td>
                    <span className={t.enabled ? "badge badge-active" : "badge"}>{t.enabled ? "On" : "Off"}</span>
                  </td>
                  <td>{limitText(t)}</td>
                  <td>{t.type === AlertType.COLLECTION_FAILED ? "—" : windowText(t)}</td>
                  <td>
                    {t.updatedBy ? (
                      <>
                        {when(t.updateTime)}
                        <div className="hint">by {actorName(t.updatedBy)}</div>
                      </>
                    ) : (
                      "Never"
                    )}
                  </td>
                  {writer && (
                    <td className="actions">
                      <button type="button" onClick={() => setEditing(t)}>
                        Edit
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && <ThresholdDialog threshold={editing} onClose={() => setEditing(undefined)} />}
    </section>
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function limitText(t: AlertThreshold): string {
  switch (t.type) {
    case AlertType.COLLECTION_FAILURE_RATE:
      return `More than ${t.failureRatePercent}% of collections fail (once ${plural(t.minSampleSize, "collection has", "collections have")} an outcome)`;
    case AlertType.CLAWBACKS:
      return `${plural(t.count, "clawback", "clawbacks")} or more`;
    case AlertType.MANDATE_CANCELLATIONS:
      return `${plural(t.count, "mandate", "mandates")} or more cancelled by payers or their banks`;
    case AlertType.COLLECTION_FAILED:
      return t.minAmountMinor === 0n
        ? "Any collection fails"
        : `A collection of ${pounds(t.minAmountMinor)} or more fails`;
    default:
      return "—";
  }
}

/** windowText is the rolling window: "7 days", "36 hours". */
export function windowText(t: AlertThreshold): string {
  const seconds = Number(t.window?.seconds ?? 0n);
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, "day", "days");
  return plural(seconds / 3_600, "hour", "hours");
}
