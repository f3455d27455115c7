"use client";

import { btnPrimary } from "@/components/ui/styles";

/** The consent page could not be prepared: nothing was granted, and the client heard nothing. */
export default function ConsentError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-danger p-6">
      <h1 className="text-xl font-semibold text-danger">This request could not be shown</h1>
      <p className="mt-2 text-sm text-muted">
        Vigil could not prepare this authorization request (the database may be unavailable). Nothing was granted.
        {error.digest ? ` Quote error ${error.digest} when reporting it.` : null}
      </p>
      <button type="button" className={`${btnPrimary} mt-4`} onClick={reset}>
        Try again
      </button>
    </div>
  );
}
