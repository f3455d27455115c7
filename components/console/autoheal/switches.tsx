"use client";

import { useQueryClient } from "@tanstack/react-query";
import { apiWrite } from "../api";
import { ConfirmButton } from "../confirm-dialog";
import { card } from "@/components/ui/styles";
import { STATUS_URL, type AutohealStatus } from "./types";

const when = (iso: string | null, now: number) => {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const ago = s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
  return `${iso.replace("T", " ").replace(/\.\d+Z$/, "Z")} (${ago})`;
};

/**
 * The shared switches. Only admins get the buttons; each asks first and names what follows.
 * The PATCH is audited (autoheal_toggled) and answers with the new status, shown at once.
 */
export function Switches({ status, isAdmin, now }: { status: AutohealStatus; isAdmin: boolean; now: number }) {
  const client = useQueryClient();
  const patch = async (body: { enabled?: boolean; dry_run?: boolean }) => {
    const next = await apiWrite<AutohealStatus>("PATCH", "/api/v1/autoheal", body);
    client.setQueryData(["autoheal", STATUS_URL], next);
  };
  const mode = !status.enabled ? "off" : status.dry_run ? "dry run" : "live";
  return (
    <section aria-labelledby="switches" className="grid gap-4 md:grid-cols-3">
      <h2 id="switches" className="sr-only">
        State
      </h2>
      <div className={card} data-testid="autoheal-enabled">
        <p className="text-sm text-muted">Autoheal</p>
        <p className={`text-2xl font-semibold ${status.enabled ? "text-ok" : "text-warn"}`}>{status.enabled ? "Enabled" : "Disabled"}</p>
        <p className="mt-1 text-sm text-muted">{status.enabled ? "Matching alerts queue remediation jobs." : "Alerts are recorded; no jobs are queued."}</p>
        {isAdmin ? (
          <div className="mt-3">
            <ConfirmButton
              label={status.enabled ? "Disable autoheal" : "Enable autoheal"}
              title={status.enabled ? "Disable autoheal?" : "Enable autoheal?"}
              consequence={
                status.enabled
                  ? "Disabling autoheal stops all remediation: alerts are still recorded, but no jobs are queued and jobs already queued are skipped. Every instance applies it from its next decision on."
                  : `Enabling autoheal makes matching alerts queue remediation jobs again, ${status.dry_run ? "in dry run (recorded, nothing sent)" : "acting live: Vigil will send real remediation requests"}.`
              }
              confirmLabel={status.enabled ? "Disable" : "Enable"}
              danger={status.enabled || !status.dry_run}
              onConfirm={() => patch({ enabled: !status.enabled })}
            />
          </div>
        ) : null}
      </div>
      <div className={card} data-testid="autoheal-mode">
        <p className="text-sm text-muted">Mode</p>
        <p className={`text-2xl font-semibold ${mode === "live" ? "text-danger" : ""}`}>{status.dry_run ? "Dry run" : "Live"}</p>
        <p className="mt-1 text-sm text-muted">
          {status.dry_run ? "Records the exact request it would send, and sends nothing." : "Sends remediation requests to the rules' targets (rules marked dry run stay dry)."}
        </p>
        {isAdmin ? (
          <div className="mt-3">
            <ConfirmButton
              label={status.dry_run ? "Turn dry run off" : "Turn dry run on"}
              title={status.dry_run ? "Turn dry run off?" : "Turn dry run on?"}
              consequence={
                status.dry_run
                  ? "Turning dry run off makes Vigil send real remediation requests to the rules' targets for every matching alert (rules marked dry_run stay dry). Every instance applies it from its next decision on."
                  : "Turning dry run on stops all remediation requests: Vigil records what it would have sent and sends nothing."
              }
              confirmLabel={status.dry_run ? "Send real requests" : "Turn dry run on"}
              danger={status.dry_run}
              onConfirm={() => patch({ dry_run: !status.dry_run })}
            />
          </div>
        ) : null}
      </div>
      <div className={card} data-testid="autoheal-heartbeat">
        <p className="text-sm text-muted">Last heartbeat</p>
        <p className="font-mono text-sm">{when(status.last_heartbeat, now)}</p>
        <p className="mt-2 text-sm text-muted">
          Switches last changed by <span className="font-mono">{status.updated_by}</span> at {status.updated_at.replace("T", " ").replace(/\.\d+Z$/, "Z")} (
          <a className="underline" href={`/audit?q=${encodeURIComponent("kind=autoheal_toggled")}`}>
            history
          </a>
          ).
        </p>
      </div>
    </section>
  );
}
