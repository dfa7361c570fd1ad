/**
 * CancelScheduleDialog confirms cancelling a schedule, with an optional reason kept in its history:
 * no more collections are created, and those still pending submission are cancelled.
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

export function CancelScheduleDialog({
  schedule,
  mandateName,
  onClose,
}: {
  schedule: CollectionSchedule;
  mandateName: string;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const cancel = useMutation(CollectionService.method.cancelCollectionSchedule, {
    onSuccess: () => {
      void queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: CollectionService, cardinality: undefined }),
      });
      onClose();
    },
  });
  const problem = cancel.error ? problemOf(cancel.error, { reason: "Reason" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    cancel.mutate({ scheduleId: schedule.id, reason: String(new FormData(event.currentTarget).get("reason") ?? "") });
  }

  return (
    <Dialog title="Cancel schedule" onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        <p>
          The schedule of {pounds(schedule.amountMinor)} under {mandateName} creates no more collections, and its
          collections not yet submitted to Bacs are cancelled. This cannot be undone.
        </p>
        <Field
          label="Reason (optional)"
          name="reason"
          maxLength={500}
          hint="Kept in the schedule's history; never sent to the payer"
          error={problem?.fields.reason}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Keep schedule
          </button>
          <button type="submit" className="danger" disabled={cancel.isPending}>
            Cancel schedule
          </button>
        </div>
      </form>
    </Dialog>
  );
}
