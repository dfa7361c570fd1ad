/**
 * AlertTable lists alerts, one row each holding its message: when it was raised, its state, and who
 * acknowledged and resolved it, when, with their notes. Staff with alerts:write get Acknowledge on
 * open alerts and Resolve on open and acknowledged ones.
 */
import { type Alert, AlertState } from "../../../../gen/dd/v1/alerts_pb.js";
import { when } from "../format.js";
import { useStaff } from "../session.js";
import { enumLabel } from "../states.js";
import { useActorName } from "./actors.js";
import { alertTypeNames } from "./alertTypes.js";

const stateTone: Partial<Record<AlertState, string>> = {
  [AlertState.OPEN]: "badge-danger",
  [AlertState.RESOLVED]: "badge-ok",
};

export function AlertTable({
  alerts,
  onAcknowledge,
  onResolve,
}: {
  alerts: readonly Alert[];
  onAcknowledge: (alert: Alert) => void;
  onResolve: (alert: Alert) => void;
}) {
  const staff = useStaff();
  const actorName = useActorName();
  const writer = staff.may("alerts:write");

  if (alerts.length === 0) return <p>No alerts match.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Alerts</caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Raised</th>
            <th scope="col">State</th>
            <th scope="col">Acknowledged</th>
            <th scope="col">Resolved</th>
            {writer && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                {a.message}
                <div className="hint">{alertTypeNames[a.type]}</div>
              </th>
              <td>{when(a.createTime)}</td>
              <td>
                <span className={`badge ${stateTone[a.state] ?? ""}`}>{enumLabel(AlertState[a.state])}</span>
              </td>
              <td>
                <Handled
                  by={a.acknowledgedBy}
                  time={when(a.acknowledgeTime)}
                  note={a.acknowledgeNote}
                  name={actorName}
                />
              </td>
              <td>
                <Handled by={a.resolvedBy} time={when(a.resolveTime)} note={a.resolveNote} name={actorName} />
              </td>
              {writer && (
                <td className="actions">
                  {a.state === AlertState.OPEN && (
                    <button type="button" onClick={() => onAcknowledge(a)}>
                      Acknowledge
                    </button>
                  )}
                  {a.state !== AlertState.RESOLVED && (
                    <button type="button" onClick={() => onResolve(a)}>
                      Resolve
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Handled is who did it, when, and their note; a dash when nobody has. */
function Handled({ by, time, note, name }: { by: string; time: string; note: string; name: (id: string) => string }) {
  if (!by) return <>—</>;
  return (
    <>
      {time}
      <div className="hint">by {name(by)}</div>
      {note && <q className="note">{note}</q>}
    </>
  );
}
