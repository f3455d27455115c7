"use client";

import { useRouter } from "next/navigation";
import { input, label } from "@/components/ui/styles";
import { apiWrite } from "./api";
import { ConfirmButton } from "./confirm-dialog";

export type MaintenanceView = { enabled: boolean; reason: string | null; since: string | null; by: string | null; environment: boolean };

/**
 * The console's side of maintenance mode: a banner on every page while it is on (what is
 * refused, why, since when, who), and for admins the switch. Starting it asks first and
 * names what agents will get; while MAINTENANCE_MODE holds it on there is nothing to switch.
 */
export function MaintenanceSwitch({ state, isAdmin }: { state: MaintenanceView; isAdmin: boolean }) {
  const router = useRouter();
  const patch = async (body: { enabled: boolean; reason?: string }) => {
    await apiWrite("PATCH", "/api/v1/maintenance", body);
    router.refresh();
  };
  if (!state.enabled) {
    if (!isAdmin) return null;
    return (
      <ConfirmButton
        label="Maintenance…"
        title="Start maintenance mode?"
        consequence="Agents and gateways get 503 with Retry-After from the token, introspection, revocation and authorization endpoints and the validator, on every instance within a second. The console and the admin API stay up. Requests already running finish."
        confirmLabel="Start maintenance"
        danger
        onConfirm={async (form) => {
          const reason = String(form.get("reason") ?? "").trim();
          await patch({ enabled: true, ...(reason ? { reason } : {}) });
        }}
      >
        <label className={label} htmlFor="maintenance-reason">
          Reason (shown to operators and in the audit log)
        </label>
        <input id="maintenance-reason" name="reason" maxLength={500} className={input} placeholder="database upgrade" />
      </ConfirmButton>
    );
  }
  const since = state.since?.replace("T", " ").replace(/\.\d+Z$/, "Z");
  return (
    <div role="status" data-testid="maintenance-banner" className="border-b border-warn bg-surface-2">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-3 px-4 py-2 text-sm">
        <p className="min-w-0 flex-1">
          <span className="font-semibold text-warn">Maintenance mode.</span> Agents and gateways get 503 with Retry-After
          {state.reason ? <> ({state.reason})</> : null}; the console and admin API work. Since {since}, by <span className="font-mono">{state.by}</span>.
          {state.environment ? " Set by MAINTENANCE_MODE=true: unset it and restart to end it." : null}
        </p>
        {isAdmin && !state.environment ? (
          <ConfirmButton
            label="End maintenance"
            title="End maintenance mode?"
            consequence="Agents and gateways are served again on every instance within a second."
            confirmLabel="End maintenance"
            onConfirm={() => patch({ enabled: false })}
          />
        ) : null}
      </div>
    </div>
  );
}
