"use client";

import { btnPrimary } from "@/components/ui/styles";

/** Any page's failure: what happened in words, the digest to quote, and a retry. */
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-danger p-6">
      <h1 className="text-xl font-semibold text-danger">This page could not be loaded</h1>
      <p className="mt-2 text-sm text-muted">
        The server could not read the data for this page (the database may be unavailable). Nothing was changed.
        {error.digest ? ` Quote error ${error.digest} when reporting it.` : null}
      </p>
      <button type="button" className={`${btnPrimary} mt-4`} onClick={reset}>
        Try again
      </button>
    </div>
  );
}
