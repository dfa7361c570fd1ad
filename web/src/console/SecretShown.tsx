/**
 * SecretShown shows a new secret (an API key, a webhook signing secret) the one time it exists
 * outside the caller's own store: read-only, selected on focus, with Copy and Done. Escape does not
 * close it, so it is not lost by accident.
 */
import { type ReactNode, useState } from "react";
import { Dialog } from "../shared/Dialog.js";
import { Field } from "../shared/Field.js";

export interface SecretShownProps {
  title: string;
  /** The textbox's label, fixed by the UI contract ("New API key", "Signing secret"). */
  label: string;
  secret: string;
  /** What to do with it, in the banner above the box. */
  advice: string;
  /** More to say under the box (when an old secret stops working, say). */
  children?: ReactNode;
  onClose: () => void;
}

export function SecretShown({ title, label, secret, advice, children, onClose }: SecretShownProps) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog title={title} onClose={onClose} dismissible={false}>
      <div className="banner banner-info">{advice}</div>
      <Field label={label} readOnly value={secret} className="secret" onFocus={(e) => e.currentTarget.select()} />
      {children}
      <p aria-live="polite" className="hint">
        {copied ? "Copied to the clipboard." : ""}
      </p>
      <div className="dialog-actions">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          Copy
        </button>
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
