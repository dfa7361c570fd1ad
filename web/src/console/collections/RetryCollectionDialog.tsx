/**
 * RetryCollectionDialog presents a failed collection to the payer's bank again (admins and members;
 * session only). Bacs allows it for a return with reason code 0 (refer to payer), within a month of
 * the first charge date; the service also keeps the payer's notice period and never charges the
 * payer twice on one day, and says which rule a date breaks next to the field. Empty: the earliest
 * date allowed.
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { AlertService } from "../../../../gen/dd/v1/alerts_pb.js";
import { type Collection, CollectionService, CollectionState } from "../../../../gen/dd/v1/collections_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { calendarDay, shiftMonths } from "../dates.js";
import { pounds } from "../money.js";

/** The most times we present one collection again (the service refuses a third). */
export const MAX_RETRIES = 2;

/** canRetry says whether the service would take a retry of the collection, as far as the table knows. */
export function canRetry(c: Collection): boolean {
  return c.state === CollectionState.FAILED && c.reasonCode === "0" && c.retryCount < MAX_RETRIES;
}

export function RetryCollectionDialog({ collection, onClose }: { collection: Collection; onClose: () => void }) {
  const queryClient = useQueryClient();
  const retry = useMutation(CollectionService.method.retryCollection, {
    // The collection changes, and the feed gains its events.
    onSuccess: () => {
      for (const schema of [CollectionService, AlertService])
        void queryClient.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) });
      onClose();
    },
  });
  const problem = retry.error ? problemOf(retry.error, { charge_date: "Charge date" }) : undefined;
  const lastDay = calendarDay(shiftMonths(collection.originalChargeDate, 1));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const chargeDate = String(new FormData(event.currentTarget).get("charge_date") ?? "").trim();
    retry.mutate({ collectionId: collection.id, chargeDate });
  }

  return (
    <Dialog title="Retry collection" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner problem={problem} />
        <p>
          The payer's bank returned {pounds(collection.amountMinor)}, first due{" "}
          {calendarDay(collection.originalChargeDate)}, unpaid (reason code 0, refer to payer). It is presented again on
          the new date, and the payer is sent advance notice of it. This is retry {collection.retryCount + 1} of{" "}
          {MAX_RETRIES}.
        </p>
        <Field
          label="Charge date"
          name="charge_date"
          placeholder="YYYY-MM-DD"
          autoComplete="off"
          hint={`Optional, YYYY-MM-DD. Leave empty for the earliest date allowed (after the payer's notice period); no later than ${lastDay}.`}
          error={problem?.fields.charge_date}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Keep as failed
          </button>
          <button type="submit" className="primary" disabled={retry.isPending}>
            Retry collection
          </button>
        </div>
      </form>
    </Dialog>
  );
}
