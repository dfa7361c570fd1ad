/**
 * PauseScheduleDialog confirms pausing a schedule (its pending collections are cancelled; none are
 * created while paused) or resuming one (the dates that passed are not collected; the payer is
 * emailed notice of the next one).
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { type CollectionSchedule, CollectionService } from "../../../../gen/dd/v1/collections_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { pounds } from "../money.js";

export function PauseScheduleDialog({
  schedule,
  mandateName,
  action,
  onClose,
}: {
  schedule: CollectionSchedule;
  mandateName: string;
  action: "pause" | "resume";
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const options = {
    onSuccess: () => {
      void queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: CollectionService, cardinality: undefined }),
      });
      onClose();
    },
  };
  const pause = useMutation(CollectionService.method.pauseCollectionSchedule, options);
  const resume = useMutation(CollectionService.method.resumeCollectionSchedule, options);
  const running = action === "pause" ? pause : resume;
  const problem = running.error ? problemOf(running.error, { reason: "Reason" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action === "resume") resume.mutate({ scheduleId: schedule.id });
    else
      pause.mutate({ scheduleId: schedule.id, reason: String(new FormData(event.currentTarget).get("reason") ?? "") });
  }

  const what = `The schedule of ${pounds(schedule.amountMinor)} under ${mandateName}`;
  return (
    <Dialog title={action === "pause" ? "Pause schedule" : "Resume schedule"} onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        {action === "pause" ? (
          <>
            <p>
              {what} creates no collections until it is resumed, and its collections not yet submitted to Bacs are
              cancelled.
            </p>
            <Field
              label="Reason (optional)"
              name="reason"
              maxLength={500}
              hint="Kept in the schedule's history; never sent to the payer"
              error={problem?.fields.reason}
            />
          </>
        ) : (
          <p>
            {what} collects again. Dates that passed while it was paused are not collected; the payer is emailed notice
            of the next collection today.
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Keep as it is
          </button>
          <button type="submit" className="primary" disabled={running.isPending}>
            {action === "pause" ? "Pause schedule" : "Resume schedule"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
