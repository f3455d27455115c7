"use client";

import { useState } from "react";
import { btnPrimary, btnSecondary } from "@/components/ui/styles";

export type Revealed = { client_id: string; client_secret: string; rotated: boolean; grace_until: string | null };

/** A new secret, shown this once: Vigil stores only its HMAC and cannot show it again. */
export function SecretReveal({ secret, onDone }: { secret: Revealed; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret.client_secret);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <section role="alert" aria-labelledby="secret-title" className="rounded-lg border-2 border-warn bg-surface p-4">
      <h3 id="secret-title" className="font-semibold text-warn">
        Copy this secret now — it will not be shown again
      </h3>
      <p className="mt-1 text-sm text-muted">
        Store it in your secret manager. Vigil keeps only a hash of it; if it is lost, rotate the credential.
        {secret.rotated
          ? secret.grace_until
            ? ` The previous secret keeps working until ${secret.grace_until.replace("T", " ").slice(0, 19)} UTC.`
            : " The previous secret stopped working now."
          : ""}
      </p>
      <dl className="mt-3 grid gap-2 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-muted">client_id</dt>
        <dd className="break-all font-mono" data-testid="new-client-id">
          {secret.client_id}
        </dd>
        <dt className="text-muted">client_secret</dt>
        <dd className="break-all font-mono" data-testid="new-secret">
          {secret.client_secret}
        </dd>
      </dl>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <button type="button" className={btnPrimary} onClick={copy}>
          Copy secret
        </button>
        <button type="button" className={btnSecondary} onClick={onDone}>
          I have stored it
        </button>
        <span aria-live="polite" className="text-sm">
          {copied === "yes" ? "Copied." : copied === "no" ? "Copy failed: select the text and copy it by hand." : ""}
        </span>
      </div>
    </section>
  );
}
