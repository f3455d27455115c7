"use client";

import { useId } from "react";

/** The "Show heartbeats" switch of the audit explorer and the live view (see heartbeats-filter.ts). */
export function HeartbeatToggle({ checked, forced, onChange }: { checked: boolean; forced: boolean; onChange: (show: boolean) => void }) {
  const id = useId();
  return (
    <div className="flex items-center gap-2 text-sm">
      <input
        id={id}
        type="checkbox"
        className="size-4 accent-[var(--accent)]"
        checked={checked || forced}
        disabled={forced}
        onChange={(e) => onChange(e.target.checked)}
        data-testid="show-heartbeats"
      />
      <label htmlFor={id}>Show heartbeats</label>
      <span className="text-muted">{forced ? "(the query names them)" : checked ? "" : "(the runner's proof of life every 30 s per instance; hidden)"}</span>
    </div>
  );
}
