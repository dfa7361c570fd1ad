/**
 * NewScheduleDialog sets up a collection schedule (admins and members; session only): which mandate,
 * how much in pounds, monthly on a day or weekly, from when and until when. The service creates the
 * first collection at once. The amount is converted to pence exactly (money.ts); every field the
 * service refuses shows its reason next to it.
 */
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CollectionService, IntervalUnit } from "../../../../gen/dd/v1/collections_pb.js";
import { Dialog } from "../../shared/Dialog.js";
import { problemOf } from "../../shared/errors.js";
import { Field, SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { londonToday } from "../dates.js";
import { AmountField, useAmount } from "./AmountField.js";
import { mandateLabel, useCollectibleMandates } from "./mandates.js";

const labels = {
  "schedule.mandate_id": "Mandate",
  "schedule.amount_minor": "Amount",
  "schedule.interval_unit": "Interval",
  "schedule.day_of_month": "Day of month",
  "schedule.start_date": "Start date",
  "schedule.end_date": "End date",
  "schedule.description": "Description",
};

/** The last day of the month is -1 in the contract; days 29–31 are not offered (not every month has them). */
const lastDay = -1;
const days = Array.from({ length: 28 }, (_, i) => i + 1);

export function NewScheduleDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const mandates = useCollectibleMandates();
  const [unit, setUnit] = useState(IntervalUnit.MONTHLY);
  const amount = useAmount("1250.50");
  const create = useMutation(CollectionService.method.createCollectionSchedule, {
    onSuccess: () => {
      void queryClient.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: CollectionService, cardinality: undefined }),
      });
      onClose();
    },
  });
  const problem = create.error ? problemOf(create.error, labels) : undefined;
  const fields = problem?.fields ?? {};
  const today = londonToday();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const amountMinor = amount.read(form);
    if (amountMinor === undefined) return;
    create.mutate({
      schedule: {
        mandateId: text("mandate_id"),
        amountMinor,
        currency: "GBP",
        intervalUnit: unit,
        dayOfMonth: unit === IntervalUnit.MONTHLY ? Number(text("day_of_month")) : 0,
        startDate: text("start_date"),
        endDate: text("end_date"),
        description: text("description"),
      },
    });
  }

  const choices = mandates.data?.mandates ?? [];
  return (
    <Dialog title="New schedule" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ProblemBanner
          problem={problem ?? (mandates.error ? problemOf(mandates.error) : undefined)}
          onRetry={() => void mandates.refetch()}
        />
        <p>The first collection is created at once; the payer gets advance notice of each one.</p>
        <SelectField
          label="Mandate"
          name="mandate_id"
          hint="Mandates that are active or being set up"
          error={fields["schedule.mandate_id"]}
          disabled={choices.length === 0}
        >
          {choices.length === 0 && (
            <option value="">{mandates.isPending ? "Loading…" : "No mandate to collect from"}</option>
          )}
          {choices.map((m) => (
            <option key={m.id} value={m.id}>
              {mandateLabel(m, m.id)}
            </option>
          ))}
        </SelectField>
        <AmountField amount={amount} serviceError={fields["schedule.amount_minor"]} />
        <div className="field-pair">
          <SelectField
            label="Interval"
            name="interval_unit"
            value={unit}
            onChange={(e) => setUnit(Number(e.currentTarget.value) as IntervalUnit)}
            error={fields["schedule.interval_unit"]}
          >
            <option value={IntervalUnit.MONTHLY}>Monthly</option>
            <option value={IntervalUnit.WEEKLY}>Weekly</option>
          </SelectField>
          {unit === IntervalUnit.MONTHLY ? (
            <SelectField
              label="Day of month"
              name="day_of_month"
              defaultValue="1"
              hint="Moves to the next Bacs processing day when needed"
              error={fields["schedule.day_of_month"]}
            >
              {days.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
              <option value={lastDay}>Last day of the month</option>
            </SelectField>
          ) : (
            <p className="hint field">Charged on the start date's weekday.</p>
          )}
        </div>
        <div className="field-pair">
          <Field
            label="Start date"
            name="start_date"
            type="date"
            min={today}
            defaultValue={today}
            error={fields["schedule.start_date"]}
          />
          <Field
            label="End date (optional)"
            name="end_date"
            type="date"
            min={today}
            hint="Empty: until cancelled"
            error={fields["schedule.end_date"]}
          />
        </div>
        <Field
          label="Description (optional)"
          name="description"
          maxLength={100}
          hint="What the payments are for, for example Rent, Flat 2, 10 High St; used in the payer's notices"
          error={fields["schedule.description"]}
        />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={create.isPending || choices.length === 0}>
            Create schedule
          </button>
        </div>
      </form>
    </Dialog>
  );
}
