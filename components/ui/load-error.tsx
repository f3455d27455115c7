"use client";

import { btnPrimary } from "./styles";

/** An error boundary's face: what happened in words, the digest to quote, and a retry. */
export function LoadError({ title, message, error, reset }: { title: string; message: string; error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-danger p-6">
      <h1 className="text-xl font-semibold text-danger">{title}</h1>
      <p className="mt-2 text-sm text-muted">
        {message}
        {error.digest ? ` Quote error ${error.digest} when reporting it.` : null}
      </p>
      <button type="button" className={`${btnPrimary} mt-4`} onClick={reset}>
        Try again
      </button>
    </div>
  );
}
