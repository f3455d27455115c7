"use client";

import { useState } from "react";
import type { credentialView } from "@/lib/identity/credentials/view";
import { Badge, EmptyState } from "@/components/ui/page-header";
import { btnPrimary, input, label, td, th } from "@/components/ui/styles";
import { apiWrite } from "../api";
import { ConfirmButton } from "../confirm-dialog";
import { SecretReveal, type Revealed } from "./secret-reveal";

export type CredentialView = ReturnType<typeof credentialView>;
/** A public client's credential comes back with `client_secret: null`: it has none. */
type WithSecret = CredentialView & { client_secret: string | null };

const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : "—");

export function CredentialsPanel({
  agentId,
  agentName,
  credentials,
  canWrite,
  agentActive,
  onChanged,
}: {
  agentId: string;
  agentName: string;
  credentials: CredentialView[];
  canWrite: boolean;
  agentActive: boolean;
  onChanged: () => Promise<void>;
}) {
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/v1/agents/${agentId}/credentials`;

  const generate = async () => {
    setError(null);
    try {
      const c = await apiWrite<WithSecret>("POST", base, {});
      setRevealed({ client_id: c.client_id, client_secret: c.client_secret, rotated: false, grace_until: null });
      await onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not generate a credential.");
    }
  };

  return (
    <section aria-labelledby="credentials" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="credentials" className="text-lg font-semibold">
          Credentials
        </h2>
        {canWrite && agentActive ? (
          <button type="button" className={btnPrimary} onClick={generate}>
            Generate credential
          </button>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="text-sm text-danger">
          {error}
        </p>
      ) : null}
      {revealed ? <SecretReveal secret={revealed} agentName={agentName} onDone={() => setRevealed(null)} /> : null}
      {credentials.length === 0 ? (
        <EmptyState title="No credentials yet.">{canWrite ? "Generate one: the agent exchanges it for tokens at POST /api/v1/token." : null}</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-line bg-surface">
          <table className="w-full min-w-[40rem] text-sm">
            <thead className="border-b border-line">
              <tr>
                <th className={th} scope="col">client_id</th>
                <th className={th} scope="col">Status</th>
                <th className={th} scope="col">Created</th>
                <th className={th} scope="col">Last used</th>
                <th className={th} scope="col">Rotated</th>
                {canWrite ? (
                  <th className={th} scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {credentials.map((c) => (
                <tr key={c.id} className="border-b border-line last:border-0" data-testid="credential-row">
                  <td className={`${td} break-all font-mono text-xs`}>
                    {c.client_id}
                    {c.public ? <span className="block font-sans text-muted">public client — no secret</span> : null}
                  </td>
                  <td className={td}>
                    <Badge value={c.status} />
                  </td>
                  <td className={`${td} font-mono text-xs`}>{when(c.created_at)}</td>
                  <td className={`${td} font-mono text-xs`}>{when(c.last_used_at)}</td>
                  <td className={`${td} font-mono text-xs`}>
                    {when(c.rotated_at)}
                    {c.previous_secret_expires_at ? <span className="block text-muted">old secret until {when(c.previous_secret_expires_at)}</span> : null}
                  </td>
                  {canWrite ? (
                    <td className={`${td} whitespace-nowrap`}>
                      {c.status === "active" ? (
                        <div className="flex gap-2">
                          {c.public ? null : (
                            <ConfirmButton
                              label="Rotate"
                              title={`Rotate ${c.client_id}?`}
                              consequence="A new secret is issued and shown once. The current secret keeps working for the grace period, so running agents can switch without a failed request."
                              confirmLabel="Rotate secret"
                              onConfirm={async (form) => {
                                const raw = String(form.get("grace") ?? "").trim();
                                const body = raw === "" ? {} : { grace_seconds: Number(raw) };
                                const r = await apiWrite<WithSecret>("POST", `${base}/${c.id}/rotate`, body);
                                setRevealed({ client_id: r.client_id, client_secret: r.client_secret, rotated: true, grace_until: r.previous_secret_expires_at });
                                await onChanged();
                              }}
                            >
                              <div>
                                <label htmlFor={`grace-${c.id}`} className={label}>
                                  Grace period (seconds)
                                </label>
                                <input id={`grace-${c.id}`} name="grace" type="number" min={0} max={2592000} placeholder="server default" className={`${input} mt-1`} />
                              </div>
                            </ConfirmButton>
                          )}
                          <ConfirmButton
                            label="Revoke"
                            danger
                            title={`Revoke ${c.client_id}?`}
                            consequence="The agent can no longer obtain tokens with this credential, and tokens already issued with it stop being accepted. This cannot be undone: to give the agent access again, generate a new credential."
                            confirmLabel="Revoke credential"
                            onConfirm={async () => {
                              await apiWrite("POST", `${base}/${c.id}/revoke`);
                              await onChanged();
                            }}
                          />
                        </div>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
