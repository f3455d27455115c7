"use client";

import { useState } from "react";
import { btnSecondary } from "@/components/ui/styles";

/** Copies `text` to the clipboard and says so (politely, for screen readers too). */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      // No clipboard permission (an insecure origin, a refusing browser): the text stays selectable.
      setState("failed");
    }
  };
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" className={btnSecondary} onClick={() => void copy()} aria-label={`Copy ${what}`} data-testid="copy">
        Copy
      </button>
      <span aria-live="polite" className="text-xs text-muted">
        {state === "copied" ? "Copied" : state === "failed" ? "Select the text to copy it" : ""}
      </span>
    </span>
  );
}
