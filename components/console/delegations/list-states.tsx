"use client";

import { btnSecondary } from "@/components/ui/styles";

/** While a list is read for the first time under a new filter. */
export function ListLoading({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" className="animate-pulse space-y-2 rounded-lg border border-line bg-surface p-4">
      {[0, 1, 2].map((i) => (
        <div key={i} className="h-5 rounded bg-surface-2" />
      ))}
      <span className="sr-only">{label}</span>
    </div>
  );
}

/**
 * A list that could not be read: with nothing to show, the failure and a retry; with an
 * earlier answer on screen, a warning that it may be stale (it is kept: stale beats empty).
 */
export function ListFailed({ what, error, stale, retry }: { what: string; error: Error; stale: boolean; retry: () => void }) {
  return (
    <div role="alert" className={`flex flex-wrap items-center gap-3 rounded-md border p-3 text-sm ${stale ? "border-warn text-warn" : "border-danger text-danger"}`}>
      <p>
        {stale ? `Could not refresh ${what} (showing what was last read)` : `Could not load ${what}`}: {error.message}
      </p>
      <button type="button" className={btnSecondary} onClick={retry}>
        Try again
      </button>
    </div>
  );
}
