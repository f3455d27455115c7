"use client";

import { LoadError } from "@/components/ui/load-error";

/** The consent page could not be prepared: nothing was granted, and the client heard nothing. */
export default function ConsentError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <LoadError
      title="This request could not be shown"
      message="Vigil could not prepare this authorization request (the database may be unavailable). Nothing was granted."
      error={error}
      reset={reset}
    />
  );
}
