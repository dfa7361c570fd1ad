/**
 * Alerts is where staff see what crossed a threshold and say they are on it: alerts by state,
 * acknowledge with a note, resolve; and the thresholds that raise them. Viewers only read.
 */

import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { type Alert, AlertService, AlertState } from "../../../../gen/dd/v1/alerts_pb.js";
import { problemOf } from "../../shared/errors.js";
import { SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { AcknowledgeDialog } from "../alerts/AcknowledgeDialog.js";
import { AlertTable } from "../alerts/AlertTable.js";
import { ResolveDialog } from "../alerts/ResolveDialog.js";
import { Thresholds } from "../alerts/Thresholds.js";
import { Pager, usePages } from "../Pager.js";

/** The state filter's choices; the first, alerts still needing someone, is where staff start. */
const filters: readonly { label: string; states: AlertState[] }[] = [
  { label: "Open or acknowledged", states: [AlertState.OPEN, AlertState.ACKNOWLEDGED] },
  { label: "Open", states: [AlertState.OPEN] },
  { label: "Acknowledged", states: [AlertState.ACKNOWLEDGED] },
  { label: "Resolved", states: [AlertState.RESOLVED] },
  { label: "All", states: [] },
];

type Open = { kind: "acknowledge" | "resolve"; alert: Alert } | undefined;

export default function Alerts() {
  const [filter, setFilter] = useState(0);
  const [open, setOpen] = useState<Open>();
  const pages = usePages();
  const list = useQuery(AlertService.method.listAlerts, {
    pageSize: 50,
    pageToken: pages.pageToken,
    state: filters[filter]?.states ?? [],
  });
  const close = () => setOpen(undefined);

  return (
    <>
      <h1>Alerts</h1>
      <search className="filters">
        <SelectField
          label="State"
          value={filter}
          onChange={(e) => {
            setFilter(Number(e.currentTarget.value));
            pages.restart();
          }}
        >
          {filters.map((f, i) => (
            <option key={f.label} value={i}>
              {f.label}
            </option>
          ))}
        </SelectField>
      </search>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data && (
        <AlertTable
          alerts={list.data.alerts}
          onAcknowledge={(alert) => setOpen({ kind: "acknowledge", alert })}
          onResolve={(alert) => setOpen({ kind: "resolve", alert })}
        />
      )}
      <Pager label="Alert pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
      <Thresholds />
      {open?.kind === "acknowledge" && <AcknowledgeDialog alert={open.alert} onClose={close} />}
      {open?.kind === "resolve" && <ResolveDialog alert={open.alert} onClose={close} />}
    </>
  );
}
