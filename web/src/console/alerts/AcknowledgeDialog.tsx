/** AcknowledgeDialog marks an open alert as being looked into, with a note (for example who is on it). */
import { useMutation } from "@connectrpc/connect-query";
import type { FormEvent } from "react";
import { type Alert, AlertService } from "../../../../gen/dd/v1/alerts_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { useRefreshAlerts } from "./useRefreshAlerts.js";

export function AcknowledgeDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const refresh = useRefreshAlerts();
  const acknowledge = useMutation(AlertService.method.acknowledgeAlert, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });
  const problem = acknowledge.error ? problemOf(acknowledge.error, { note: "Note" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    acknowledge.mutate({ alertId: alert.id, note: String(new FormData(event.currentTarget).get("note") ?? "").trim() });
  }

  return (
    <Dialog title="Acknowledge alert" onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        <p>
          <strong>{alert.message}</strong>
        </p>
        <Field
          label="Note"
          name="note"
          maxLength={500}
          hint="Who is looking into it, or what is being done; the team sees it with the alert"
          error={problem?.fields.note}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={acknowledge.isPending}>
            Acknowledge alert
          </button>
        </div>
      </form>
    </Dialog>
  );
}
