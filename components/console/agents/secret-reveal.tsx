"use client";

import { useState } from "react";
import { btnPrimary, btnSecondary } from "@/components/ui/styles";

/** `client_secret` is null for a public client's credential: there is no secret to show. */
export type Revealed = { client_id: string; client_secret: string | null; rotated: boolean; grace_until: string | null };

/** A new secret, shown this once: Vigil stores only its HMAC and cannot show it again. */
export function SecretReveal({ secret, agentName, onDone }: { secret: Revealed; agentName: string; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const value = secret.client_secret;
  if (value === null) return <PublicCredential clientId={secret.client_id} agentName={agentName} onDone={onDone} />;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
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
          {value}
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

/** A public client's new credential: a client_id and, on purpose, nothing secret. */
function PublicCredential({ clientId, agentName, onDone }: { clientId: string; agentName: string; onDone: () => void }) {
  return (
    <section role="status" aria-labelledby="public-title" className="rounded-lg border-2 border-accent bg-surface p-4" data-testid="public-credential">
      <h3 id="public-title" className="font-semibold">
        A public client&apos;s credential has no secret
      </h3>
      <p className="mt-1 text-sm text-muted">
        {agentName} is registered as a public client: an app on people&apos;s own devices or in their browser, where any secret could be read out. So this credential is
        only a client_id. The app proves each authorization with PKCE instead, and its refresh tokens rotate on every use. The client_id is not secret; configure the app
        with it.
      </p>
      <dl className="mt-3 grid gap-2 text-sm sm:grid-cols-[auto_1fr]">
        <dt className="text-muted">client_id</dt>
        <dd className="break-all font-mono" data-testid="new-client-id">
          {clientId}
        </dd>
      </dl>
      <button type="button" className={`${btnSecondary} mt-3`} onClick={onDone}>
        Done
      </button>
    </section>
  );
}
