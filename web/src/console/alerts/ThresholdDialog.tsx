/**
 * ThresholdDialog edits one threshold: only the settings its type uses, and the request names only
 * the ones changed (thresholdForm.ts). Fields the form cannot read, or the service refuses, show
 * their reason next to them.
 */
import { useMutation } from "@connectrpc/connect-query";
import { type FormEvent, useState } from "react";
import { AlertService, type AlertThreshold } from "../../../../gen/dd/v1/alerts_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field, SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { alertTypeNames } from "./alertTypes.js";
import { inputsOf, pathsOf, type ThresholdInputs, updateOf, type WindowUnit } from "./thresholdForm.js";
import { useRefreshAlerts } from "./useRefreshAlerts.js";

const labels = {
  "threshold.enabled": "Raise alerts",
  "threshold.failure_rate_percent": "Failure rate",
  "threshold.min_sample_size": "Minimum collections",
  "threshold.count": "Count",
  "threshold.window": "Window",
  "threshold.min_amount_minor": "Minimum amount",
};

export function ThresholdDialog({ threshold, onClose }: { threshold: AlertThreshold; onClose: () => void }) {
  const refresh = useRefreshAlerts();
  const [inputs, setInputs] = useState<ThresholdInputs>(() => inputsOf(threshold));
  const [formErrors, setFormErrors] = useState<Record<string, string>>({});
  const update = useMutation(AlertService.method.updateAlertThreshold, {
    onSuccess: () => {
      void refresh();
      onClose();
    },
  });
  const problem = update.error ? problemOf(update.error, labels) : undefined;
  const errors = { ...problem?.fields, ...formErrors };
  const uses = new Set(pathsOf[threshold.type]);
  const set = (change: Partial<ThresholdInputs>) => setInputs({ ...inputs, ...change });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const { request, errors: unreadable } = updateOf(threshold, inputs);
    setFormErrors(unreadable);
    if (request) update.mutate(request);
    else if (Object.keys(unreadable).length === 0) onClose();
  }

  const name = alertTypeNames[threshold.type];
  return (
    <Dialog title={`Edit threshold: ${name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {Object.keys(formErrors).length > 0 ? (
          <div className="banner banner-error" role="alert">
            Please correct the fields marked below.
          </div>
        ) : (
          <ProblemBanner problem={problem} />
        )}
        <div className="check">
          <input
            type="checkbox"
            id="threshold-enabled"
            checked={inputs.enabled}
            onChange={(e) => set({ enabled: e.currentTarget.checked })}
          />
          <label htmlFor="threshold-enabled">Raise alerts</label>
        </div>
        {uses.has("failure_rate_percent") && (
          <Field
            label="Failure rate (%)"
            inputMode="decimal"
            hint="Alert when more than this share of collections with an outcome failed"
            value={inputs.failurePercent}
            onChange={(e) => set({ failurePercent: e.currentTarget.value })}
            error={errors["threshold.failure_rate_percent"]}
          />
        )}
        {uses.has("min_sample_size") && (
          <Field
            label="Minimum collections"
            inputMode="numeric"
            hint="Only judge the rate once this many collections have an outcome in the window"
            value={inputs.minSampleSize}
            onChange={(e) => set({ minSampleSize: e.currentTarget.value })}
            error={errors["threshold.min_sample_size"]}
          />
        )}
        {uses.has("count") && (
          <Field
            label="Count"
            inputMode="numeric"
            hint="Alert when this many happen in the window"
            value={inputs.count}
            onChange={(e) => set({ count: e.currentTarget.value })}
            error={errors["threshold.count"]}
          />
        )}
        {uses.has("window") && (
          <div className="window-inputs">
            <Field
              label="Window"
              inputMode="decimal"
              hint="The rolling period looked at, ending now: 1 hour to 90 days"
              value={inputs.window}
              onChange={(e) => set({ window: e.currentTarget.value })}
              error={errors["threshold.window"]}
            />
            <SelectField
              label="Window unit"
              value={inputs.windowUnit}
              onChange={(e) => set({ windowUnit: e.currentTarget.value as WindowUnit })}
            >
              <option value="hours">Hours</option>
              <option value="days">Days</option>
            </SelectField>
          </div>
        )}
        {uses.has("min_amount_minor") && (
          <Field
            label="Minimum amount (£)"
            inputMode="decimal"
            hint="Only failures of at least this amount raise an alert; 0 means every failure"
            value={inputs.minAmount}
            onChange={(e) => set({ minAmount: e.currentTarget.value })}
            error={errors["threshold.min_amount_minor"]}
          />
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={update.isPending}>
            Save threshold
          </button>
        </div>
      </form>
    </Dialog>
  );
}
