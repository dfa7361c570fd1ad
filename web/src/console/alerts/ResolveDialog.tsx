/** ResolveDialog confirms that an alert needs no more attention (final), with an optional note. */
import { useMutation } from "@connectrpc/connect-query";
import type { FormEvent } from "react";
import { type Alert, AlertService } from "../../../../gen/dd/v1/alerts_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { useRefreshAlerts } from "./useRefreshAlerts.js";

export function ResolveDialog({ alert, onClose }: { alert: Alert; onClose: () => void }) {
  const refresh = useRefreshAlerts();
  const resolve = useMutation(AlertService.method.resolveAlert, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });
  const problem = resolve.error ? problemOf(resolve.error, { note: "Note" }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    resolve.mutate({ alertId: alert.id, note: String(new FormData(event.currentTarget).get("note") ?? "").trim() });
  }

  return (
    <Dialog title="Resolve alert" onClose={onClose}>
      <form onSubmit={submit}>
        <ProblemBanner problem={problem} />
        <p>
          <strong>{alert.message}</strong>
        </p>
        <p>A resolved alert is closed for good; if the condition comes back, a new alert is raised.</p>
        <Field label="Note (optional)" name="note" maxLength={500} hint="What was done" error={problem?.fields.note} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={resolve.isPending}>
            Resolve alert
          </button>
        </div>
      </form>
    </Dialog>
  );
}
