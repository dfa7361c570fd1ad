/**
 * Dialog is a modal on the browser's own <dialog>: it traps focus, closes on Escape and returns focus
 * to what opened it. Its heading is its accessible name.
 */
import { type ReactNode, useEffect, useId, useRef } from "react";

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** false: Escape does not close it (a secret shown once must be closed on purpose, with Done). */
  dismissible?: boolean;
}

export function Dialog({ title, onClose, children, dismissible = true }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault();
        if (dismissible) onClose();
      }}
    >
      <h2 id={headingId}>{title}</h2>
      {children}
    </dialog>
  );
}
