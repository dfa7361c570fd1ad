/**
 * ChangeScheduleDialog changes a schedule's amount or end date (admins and members). Only the fields
 * staff changed go in update_mask, so an untouched field is never rewritten. A new amount applies
 * from the first collection the payer can still be given notice of; the service says which and
 * emails the payer.
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type CollectionSchedule, CollectionService } from "../../../../gen/dd/v1/collections_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { AmountField, useAmount } from "./AmountField.js";

const labels = {
  "schedule.amount_minor": "Amount",
  "schedule.end_date": "End date",
  update_mask: "Changes",
};

export function ChangeScheduleDialog({
  schedule,
  mandateName,
  onClose,
}: {
  schedule: CollectionSchedule;
  mandateName: string;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const amount = useAmount("1250.50");
  const [nothing, setNothing] = useState(false);
  const update = useMutation(CollectionService.method.updateCollectionSchedule, {
    onSuccess: () => {
      void queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: CollectionService, cardinality: undefined }),
      });
      onClose();
    },
  });
  const problem = update.error ? problemOf(update.error, labels) : undefined;
  const fields = problem?.fields ?? {};

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const amountMinor = amount.read(form);
    if (amountMinor === undefined) return;
    const endDate = text("end_date");
    const paths = [
      ...(amountMinor !== schedule.amountMinor ? ["amount_minor"] : []),
      ...(endDate !== schedule.endDate ? ["end_date"] : []),
    ];
    setNothing(paths.length === 0);
    if (paths.length === 0) return;
    update.mutate({ schedule: { id: schedule.id, amountMinor, endDate }, updateMask: { paths } });
  }

  return (
    <Dialog title="Change schedule" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <p>
          Changes the schedule under {mandateName}. The payer is emailed notice today: collections due before the notice
          period has passed keep the amount they were told of.
        </p>
        <AmountField
          amount={amount}
          serviceError={fields["schedule.amount_minor"]}
          initialMinor={schedule.amountMinor}
        />
        {schedule.count === 0 && (
          <Field
            label="End date"
            name="end_date"
            type="date"
            defaultValue={schedule.endDate}
            hint="Empty: until cancelled. Collections pending after it are cancelled."
            error={fields["schedule.end_date"]}
          />
        )}
        {nothing && <p className="hint">Nothing changed.</p>}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={update.isPending}>
            Save changes
          </button>
        </div>
      </form>
    </Dialog>
  );
}
