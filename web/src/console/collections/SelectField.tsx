/**
 * SelectField is a labelled select with its error beside it, the select counterpart of shared/Field:
 * the message is linked by aria-describedby and the select marked aria-invalid.
 */
import { type SelectHTMLAttributes, useId } from "react";

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, "id"> {
  label: string;
  /** The problem with this field, if the service refused it. */
  error?: string | undefined;
  /** A hint shown under the label, read with the field. */
  hint?: string;
}

export function SelectField({ label, error, hint, children, ...select }: SelectFieldProps) {
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
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={described || undefined} {...select}>
        {children}
      </select>
    </div>
  );
}
