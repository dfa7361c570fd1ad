/**
 * NewPasswordFields asks for a new password twice (a welcome, a change), and chosenPassword reads it
 * back only when both agree: a typo in a password field nobody can see would lock the person out.
 * Rules beyond that (length) are the server's, shown beside the first field.
 */
import { Field } from "../shared/Field.js";

const again = "new_password_again";

export interface NewPasswordFieldsProps {
  label: string;
  againLabel: string;
  /** The field's name in the form, as the request names it ("password", "new_password"). */
  name: string;
  /** The server's refusal of the password. */
  error: string | undefined;
  /** The two entries differed on the last submit. */
  mismatch: boolean;
}

export function NewPasswordFields({ label, againLabel, name, error, mismatch }: NewPasswordFieldsProps) {
  return (
    <>
      <Field
        label={label}
        name={name}
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters; a few unrelated words make a strong one"
        error={error}
      />
      <Field
        label={againLabel}
        name={again}
        type="password"
        autoComplete="new-password"
        error={mismatch ? "The two passwords are not the same: type the same password twice." : undefined}
      />
    </>
  );
}

/** chosenPassword is the password typed twice in the form, or undefined when the two differ. */
export function chosenPassword(form: FormData, name: string): string | undefined {
  const password = String(form.get(name) ?? "");
  return password === String(form.get(again) ?? "") ? password : undefined;
}
