/**
 * AmountField is the amount-in-pounds field of the collection dialogs, with its own check: an amount
 * that is not pounds and pence is refused next to the field before anything is sent, and the
 * service's refusal of the amount shows in the same place.
 */
import { useState } from "react";
import { Field } from "../../shared/Field.js";
import { penceOf, poundsInput } from "../money.js";

/** useAmount reads the form's amount in pence, or shows why it cannot and gives undefined. */
export function useAmount(example: string) {
  const [error, setError] = useState<string>();
  return {
    error,
    example,
    read(form: FormData): bigint | undefined {
      const pence = penceOf(String(form.get("amount") ?? ""));
      setError(pence === undefined ? `Amount must be in pounds and pence, for example ${example}.` : undefined);
      return pence;
    },
  };
}

/** AmountField is the labelled amount input, in pounds, with its error (useAmount's, else the service's) beside it. */
export function AmountField({
  amount,
  serviceError,
  initialMinor,
}: {
  amount: ReturnType<typeof useAmount>;
  /** The service's refusal of the amount, if any. */
  serviceError: string | undefined;
  initialMinor?: bigint;
}) {
  return (
    <Field
      label="Amount (£)"
      name="amount"
      inputMode="decimal"
      autoComplete="off"
      {...(initialMinor === undefined ? {} : { defaultValue: poundsInput(initialMinor) })}
      hint={`In pounds and pence, for example ${amount.example}`}
      error={amount.error ?? serviceError}
    />
  );
}
