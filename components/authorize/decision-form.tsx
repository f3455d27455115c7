"use client";

import { useId, useState } from "react";
import { btnPrimary, btnSecondary, input, label } from "@/components/ui/styles";
import { ApiError, apiWrite } from "@/components/console/api";
import { useHydratedMark } from "@/components/console/use-hydrated-mark";
import { durationLabel } from "./wording";

/** The authorization request's parameters, as the browser brought them (resource may repeat). */
export type RequestParams = Record<string, string | string[]>;

/**
 * Approve or Deny. Both send the request's own parameters back with the decision (the
 * endpoint validates all of it again and trusts nothing this page showed) and follow the
 * answer: the client's redirect_uri, with a code or with access_denied.
 */
export function DecisionForm({ agentName, params, durations, canApprove, extends: extending }: { agentName: string; params: RequestParams; durations: readonly number[]; canApprove: boolean; extends: boolean }) {
  useHydratedMark("consent");
  const id = useId();
  const [duration, setDuration] = useState(durations[0] ?? 3600);
  const [busy, setBusy] = useState<"approve" | "deny" | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const decide = async (decision: "approve" | "deny") => {
    setBusy(decision);
    setMessage(null);
    try {
      const answer = await apiWrite<{ redirect_to: string }>("POST", "/api/v1/authorize/decision", { ...params, decision, duration_seconds: duration });
      // Stay busy: the browser is leaving for the client.
      window.location.assign(answer.redirect_to);
    } catch (error) {
      setBusy(null);
      if (error instanceof ApiError && error.status === 401) setMessage("Your session has ended. Reload this page to sign in again, then decide.");
      else setMessage(error instanceof ApiError ? error.message : "Your answer did not reach Vigil; try again.");
    }
  };

  return (
    <section aria-labelledby={`${id}-t`} className="space-y-4 rounded-lg border border-accent bg-surface p-4">
      <h2 id={`${id}-t`} className="font-semibold">
        Your decision
      </h2>
      {canApprove ? (
        <div>
          <label htmlFor={`${id}-duration`} className={label}>
            How long may {agentName} act for you?
          </label>
          <select id={`${id}-duration`} className={`${input} mt-1 sm:w-60`} value={String(duration)} onChange={(e) => setDuration(Number(e.target.value))} aria-describedby={`${id}-duration-help`} disabled={busy !== null}>
            {durations.map((d) => (
              <option key={d} value={String(d)}>
                {durationLabel(d)}
              </option>
            ))}
          </select>
          <p id={`${id}-duration-help`} className="mt-1 text-xs text-muted">
            {extending
              ? "Your grant then lasts until the later of its current end and this long from now. You can revoke it at any time on the Delegations page."
              : "After this it can no longer act for you. You can revoke it sooner at any time on the Delegations page."}
          </p>
        </div>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        {canApprove ? (
          <button type="button" className={btnPrimary} onClick={() => decide("approve")} disabled={busy !== null}>
            {busy === "approve" ? "Approving…" : "Approve"}
          </button>
        ) : null}
        <button type="button" className={btnSecondary} onClick={() => decide("deny")} disabled={busy !== null}>
          {busy === "deny" ? "Denying…" : "Deny"}
        </button>
        <p className="text-xs text-muted">{canApprove ? `Deny tells ${agentName} no; nothing is granted.` : `Deny tells ${agentName} no.`}</p>
      </div>
      {message ? (
        <p role="alert" className="text-sm text-danger">
          {message}
        </p>
      ) : null}
    </section>
  );
}
