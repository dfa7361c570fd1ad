/**
 * Schedules lists the organisation's collection schedules (recurring payment plans), newest first.
 * Admins and members set new ones up, change, pause, resume and cancel them; viewers only read.
 */
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import {
  type CollectionSchedule,
  CollectionScheduleState,
  CollectionService,
  IntervalUnit,
} from "../../../../gen/dd/v1/collections_pb.js";
import { problemOf } from "../../shared/errors.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { calendarDay, weekdayOf } from "../dates.js";
import { pounds } from "../money.js";
import { Pager, usePages } from "../Pager.js";
import { useStaff } from "../session.js";
import { scheduleStateName } from "../states.js";
import { CancelScheduleDialog } from "./CancelScheduleDialog.js";
import { ChangeScheduleDialog } from "./ChangeScheduleDialog.js";
import { mandateLabel, useMandateDirectory } from "./mandates.js";
import { NewScheduleDialog } from "./NewScheduleDialog.js";
import { PauseScheduleDialog } from "./PauseScheduleDialog.js";

type Open =
  | { kind: "create" }
  | { kind: "cancel" | "change" | "pause" | "resume"; schedule: CollectionSchedule }
  | undefined;

export function Schedules() {
  const staff = useStaff();
  const mandates = useMandateDirectory();
  const pages = usePages();
  const [open, setOpen] = useState<Open>();
  const list = useQuery(CollectionService.method.listCollectionSchedules, { pageSize: 50, pageToken: pages.pageToken });
  const close = () => setOpen(undefined);
  const nameOf = (s: CollectionSchedule) => mandateLabel(mandates.get(s.mandateId), s.mandateId);

  return (
    <section aria-labelledby="schedules-heading">
      <div className="page-head">
        <h2 id="schedules-heading">Schedules</h2>
        {staff.mayWriteSchedules && (
          <button type="button" className="primary" onClick={() => setOpen({ kind: "create" })}>
            New schedule
          </button>
        )}
      </div>
      <ProblemBanner problem={list.error ? problemOf(list.error) : undefined} onRetry={() => void list.refetch()} />
      {list.data &&
        (list.data.collectionSchedules.length === 0 ? (
          <p>No schedules yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Collection schedules</caption>
              <thead>
                <tr>
                  <th scope="col">Mandate</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Interval</th>
                  <th scope="col">Day</th>
                  <th scope="col">Starts</th>
                  <th scope="col">Ends</th>
                  <th scope="col">Next charge</th>
                  <th scope="col">State</th>
                  {staff.mayWriteSchedules && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {list.data.collectionSchedules.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      {nameOf(s)}
                      {s.description && <div className="hint">{s.description}</div>}
                    </th>
                    <td>{pounds(s.amountMinor)}</td>
                    <td>{intervalText(s)}</td>
                    <td>{dayText(s)}</td>
                    <td>{calendarDay(s.startDate)}</td>
                    <td>{endText(s)}</td>
                    <td>{calendarDay(s.nextChargeDate)}</td>
                    <td>
                      <span className={s.state === CollectionScheduleState.ACTIVE ? "badge badge-active" : "badge"}>
                        {scheduleStateName(s.state)}
                      </span>
                    </td>
                    {staff.mayWriteSchedules && (
                      <td className="actions actions-stacked">
                        {live(s) && (
                          <button type="button" onClick={() => setOpen({ kind: "change", schedule: s })}>
                            Change schedule
                          </button>
                        )}
                        {s.state === CollectionScheduleState.ACTIVE && (
                          <button type="button" onClick={() => setOpen({ kind: "pause", schedule: s })}>
                            Pause
                          </button>
                        )}
                        {s.state === CollectionScheduleState.PAUSED && (
                          <button type="button" onClick={() => setOpen({ kind: "resume", schedule: s })}>
                            Resume
                          </button>
                        )}
                        {live(s) && (
                          <button type="button" onClick={() => setOpen({ kind: "cancel", schedule: s })}>
                            Cancel schedule
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Schedule pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
      {open?.kind === "create" && <NewScheduleDialog onClose={close} />}
      {open?.kind === "cancel" && (
        <CancelScheduleDialog schedule={open.schedule} mandateName={nameOf(open.schedule)} onClose={close} />
      )}
      {open?.kind === "change" && (
        <ChangeScheduleDialog schedule={open.schedule} mandateName={nameOf(open.schedule)} onClose={close} />
      )}
      {(open?.kind === "pause" || open?.kind === "resume") && (
        <PauseScheduleDialog
          schedule={open.schedule}
          mandateName={nameOf(open.schedule)}
          action={open.kind}
          onClose={close}
        />
      )}
    </section>
  );
}

/** live: the schedule can still be changed or cancelled (ACTIVE or PAUSED). */
function live(s: CollectionSchedule): boolean {
  return s.state === CollectionScheduleState.ACTIVE || s.state === CollectionScheduleState.PAUSED;
}

function intervalText(s: CollectionSchedule): string {
  const every = Math.max(s.interval, 1);
  const unit = s.intervalUnit === IntervalUnit.WEEKLY ? "week" : "month";
  if (every === 1) return s.intervalUnit === IntervalUnit.WEEKLY ? "Weekly" : "Monthly";
  return `Every ${every} ${unit}s`;
}

function dayText(s: CollectionSchedule): string {
  if (s.intervalUnit === IntervalUnit.WEEKLY) return `${weekdayOf(s.startDate)}s`;
  return s.dayOfMonth === -1 ? "Last day of the month" : `Day ${s.dayOfMonth}`;
}

function endText(s: CollectionSchedule): string {
  if (s.endDate) return calendarDay(s.endDate);
  if (s.count > 0) return `After ${s.count} collection${s.count === 1 ? "" : "s"}`;
  return live(s) ? "When cancelled" : "—";
}
