import type { LiveStatus } from "./use-live-stream";

const LOOK: Record<LiveStatus, { dot: string; text: string }> = {
  connecting: { dot: "bg-muted", text: "Connecting…" },
  live: { dot: "bg-ok", text: "Live" },
  reconnecting: { dot: "bg-warn", text: "Reconnecting… (no event will be missed)" },
  offline: { dot: "bg-danger", text: "Offline: retrying; missed events will be replayed" },
};

/** The stream's state in words (a colour alone says nothing to a screen reader), announced politely. */
export function ConnectionIndicator({ status }: { status: LiveStatus }) {
  const look = LOOK[status];
  return (
    <p role="status" aria-live="polite" className="flex items-center gap-2 text-sm" data-testid="connection" data-state={status}>
      <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-full ${look.dot} ${status === "live" ? "animate-pulse" : ""}`} />
      <span>
        <span className="sr-only">Connection: </span>
        {look.text}
      </span>
    </p>
  );
}
