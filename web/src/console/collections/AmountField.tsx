/**
 * AmountField is the amount-in-pounds field of the collection dialogs, with its own check: an amount
 * that is not pounds and pence, or is outside what the service collects, is refused next to the
 * field before anything is sent, and the service's refusal of the amount shows in the same place.
 */
import { useState } from "react";
import { Field } from "../../shared/Field.js";
import { penceOf, pounds, poundsInput } from "../money.js";

/** The service's largest amount per collection (maxAmountMinor on the server): £1,000,000. */
const maxCollectionPence = 100_000_000n;

/** useAmount reads the form's amount in pence, or shows why it cannot and gives undefined. */
export function useAmount(example: string) {
  const [error, setError] = useState<string>();
  return {
    error,
    example,
    read(form: FormData): bigint | undefined {
      const pence = penceOf(String(form.get("amount") ?? ""));
      const problem =
        pence === undefined
          ? `Amount must be in pounds and pence, for example ${example}.`
          : pence < 1n || pence > maxCollectionPence
            ? `Amount must be from ${pounds(1n)} to ${pounds(maxCollectionPence)}.`
            : undefined;
      setError(problem);
      return problem === undefined ? pence : undefined;
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
