/**
 * NewCollectionDialog creates a one-off collection under the mandate on screen (admins and members;
 * session only): how much in pounds, optionally on which date, and what for. The service picks the
 * earliest date allowed when none is given and sends the payer advance notice; every field it
 * refuses (a date too early, or one the mandate is already debited on) shows its reason next to it.
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { AlertService } from "../../../../gen/dd/v1/alerts_pb.js";
import { CollectionService } from "../../../../gen/dd/v1/collections_pb.js";
import type { Mandate } from "../../../../gen/dd/v1/mandates_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { londonToday } from "../dates.js";
import { AmountField, useAmount } from "./AmountField.js";

const labels = {
  "collection.mandate_id": "Mandate",
  "collection.amount_minor": "Amount",
  "collection.charge_date": "Charge date",
  "collection.description": "Description",
};

export function NewCollectionDialog({ mandate, onClose }: { mandate: Mandate; onClose: () => void }) {
  const queryClient = useQueryClient();
  const amount = useAmount("42.50");
  const create = useMutation(CollectionService.method.createCollection, {
    onSuccess: () => {
      // The collection lists, and the mandate's history (the advance notice), change.
      for (const schema of [CollectionService, AlertService])
        void queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) });
      onClose();
    },
  });
  const problem = create.error ? problemOf(create.error, labels) : undefined;
  const fields = problem?.fields ?? {};

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const amountMinor = amount.read(form);
    if (amountMinor === undefined) return;
    create.mutate({
      collection: {
        mandateId: mandate.id,
        amountMinor,
        currency: "GBP",
        chargeDate: text("charge_date"),
        description: text("description"),
      },
    });
  }

  return (
    <Dialog title={`New collection: ${mandate.reference}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <p>A single payment, outside any schedule. The payer gets advance notice of it at once.</p>
        <AmountField amount={amount} serviceError={fields["collection.amount_minor"]} />
        <Field
          label="Charge date (optional)"
          name="charge_date"
          type="date"
          min={londonToday()}
          hint="Empty: the earliest date the notice period allows. Moves to the next Bacs processing day when needed"
          error={fields["collection.charge_date"]}
        />
        <Field
          label="Description (optional)"
          name="description"
          maxLength={100}
          hint="What the payment is for, for example Boiler repair; used in the payer's notice"
          error={fields["collection.description"]}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending}>
            Create collection
          </button>
        </div>
      </form>
    </Dialog>
  );
}
