/**
 * Field and SelectField are a labelled input or select with its error beside it: the message is
 * linked by aria-describedby and the control marked aria-invalid, so a screen reader reads the
 * problem with the field.
 */
import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId } from "react";

interface Labels {
  label: string;
  /** The problem with this field, if the service refused it. */
  error?: string | undefined;
  /** A hint shown under the label, read with the field. */
  hint?: string;
}

export type FieldProps = Labels & Omit<InputHTMLAttributes<HTMLInputElement>, "id">;
export type SelectFieldProps = Labels & Omit<SelectHTMLAttributes<HTMLSelectElement>, "id">;

/** The attributes that tie a control to its label, hint and error. */
interface ControlAttributes {
  id: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

/** Labelled lays out the label, hint and error, and hands the control the attributes to tie them. */
function Labelled({ label, error, hint, control }: Labels & { control: (a: ControlAttributes) => ReactNode }) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className={error ? "field field-error" : "field"}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="error-text" id={`${id}-error`}>
          {error}
        </p>
      )}
      {control({ id, "aria-invalid": error ? true : undefined, "aria-describedby": described || undefined })}
    </div>
  );
}

export function Field({ label, error, hint, ...input }: FieldProps) {
  return <Labelled label={label} error={error} hint={hint} control={(a) => <input {...a} {...input} />} />;
}

export function SelectField({ label, error, hint, children, ...select }: SelectFieldProps) {
  return (
    <Labelled
      label={label}
      error={error}
      hint={hint}
      control={(a) => (
        <select {...a} {...select}>
          {children}
        </select>
      )}
    />
  );
}
