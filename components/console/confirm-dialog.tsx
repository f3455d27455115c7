"use client";

import { useId, useRef, useState, type ReactNode } from "react";
import { btnDanger, btnPrimary, btnSecondary } from "@/components/ui/styles";

/**
 * A button that asks first, in a native modal <dialog> (focus moves in and is trapped,
 * Escape cancels). The dialog names the consequence; errors from the action stay in it.
 */
export function ConfirmButton({
  label,
  title,
  consequence,
  confirmLabel,
  danger = false,
  onConfirm,
  children,
}: {
  label: string;
  title: string;
  consequence: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: (form: FormData) => Promise<void>;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button type="button" className={danger ? btnDanger : btnSecondary} onClick={() => (setError(null), ref.current?.showModal())}>
        {label}
      </button>
      <dialog ref={ref} aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-lg border border-line bg-surface p-0 text-fg">
        <form
          method="dialog"
          className="space-y-3 p-5"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              await onConfirm(new FormData(e.currentTarget));
              ref.current?.close();
            } catch (err) {
              setError(err instanceof Error ? err.message : "The action failed.");
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2 id={`${id}-t`} className="text-lg font-semibold">
            {title}
          </h2>
          <div id={`${id}-d`} className="text-sm text-muted">
            {consequence}
          </div>
          {children}
          {error ? (
            <p role="alert" className="text-sm text-danger">
              {error}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={btnSecondary} onClick={() => ref.current?.close()} autoFocus>
              Cancel
            </button>
            <button type="submit" className={danger ? `${btnPrimary} bg-danger hover:bg-danger` : btnPrimary} disabled={busy}>
              {busy ? "Working…" : confirmLabel}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
