"use client";

import { LoadError } from "@/components/ui/load-error";

/** Any page's failure: what happened in words, the digest to quote, and a retry. */
export default function ConsoleError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <LoadError
      title="This page could not be loaded"
      message="The server could not read the data for this page (the database may be unavailable). Nothing was changed."
      error={error}
      reset={reset}
    />
  );
}
