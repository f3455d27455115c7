"use client";

import { useId, useState } from "react";

/** The "Show heartbeats" switch of the audit explorer and the live view (see heartbeats-filter.ts). */
export function HeartbeatToggle({ checked, forced, onChange }: { checked: boolean; forced: boolean; onChange: (show: boolean) => void }) {
  const id = useId();
  // Ticks at once; the page then navigates and renders with the new URL (which wins on change).
  const [shown, setShown] = useState(checked);
  const [was, setWas] = useState(checked);
  if (was !== checked) {
    setWas(checked);
    setShown(checked);
  }
  return (
    <div className="flex items-center gap-2 text-sm">
      <input
        id={id}
        type="checkbox"
        className="size-4 accent-[var(--accent)]"
        checked={shown || forced}
        disabled={forced}
        onChange={(e) => {
          setShown(e.target.checked);
          onChange(e.target.checked);
        }}
        data-testid="show-heartbeats"
      />
      <label htmlFor={id}>Show heartbeats</label>
      <span className="text-muted">{forced ? "(the query names them)" : shown ? "" : "(the runner's proof of life every 30 s per instance; hidden)"}</span>
    </div>
  );
}
