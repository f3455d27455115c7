"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { EmptyState } from "@/components/ui/page-header";
import { td } from "@/components/ui/styles";
import { ApiError, apiGet, apiWrite } from "../api";
import { ConfirmButton } from "../confirm-dialog";
import { Table, utc } from "./table";
import { SILENCES_URL, type SilenceView } from "./types";

const STATE: Record<string, string> = { active: "border-ok text-ok", pending: "border-accent text-accent", expired: "border-line text-muted" };

const matcherText = (s: SilenceView) =>
  s.matchers.map((m) => `${m.name}${m.is_equal ? "" : "!"}${m.is_regex ? "=~" : "="}"${m.value}"`).join(", ");

function Origin({ s }: { s: SilenceView }) {
  return s.origin.via === "rule" ? (
    <>
      rule <span className="font-mono">{s.origin.rule}</span>
    </>
  ) : (
    <>
      ack by <span className="font-mono">{s.origin.actor.replace(/^user:/, "")}</span>
    </>
  );
}

/**
 * The Alertmanager silences Vigil created (acks and silence actions), read from Alertmanager
 * through GET /api/v1/autoheal/silences; operators can expire one, behind a dialog naming
 * what comes back. Alertmanager's absence or failure is shown, not hidden.
 */
export function SilencesPanel({ canExpire }: { canExpire: boolean }) {
  const client = useQueryClient();
  const silences = useQuery({
    queryKey: ["autoheal", SILENCES_URL],
    queryFn: () => apiGet<{ silences: SilenceView[] }>(SILENCES_URL),
    refetchInterval: 10_000,
    retry: false,
  });
  if (silences.isPending) return <p className="text-sm text-muted">Reading silences from Alertmanager…</p>;
  if (silences.isError) {
    const e = silences.error;
    return (
      <p role="alert" className="rounded-md border border-warn p-3 text-sm text-warn" data-testid="silences-problem">
        {e instanceof ApiError && e.status === 503 ? e.message : `Could not read silences: ${e.message}`}
      </p>
    );
  }
  const list = silences.data.silences;
  if (list.length === 0) {
    return <EmptyState title="No silences from Vigil">Acknowledging an alert above, or a rule with an alertmanager_silence action, creates one; it is listed here until Alertmanager forgets it.</EmptyState>;
  }
  return (
    <Table caption="Alertmanager silences Vigil created, active first" head={["Matchers", "State", "Ends (UTC)", "Created by", "Comment", ...(canExpire ? ["Action"] : [])]}>
      {list.map((s) => (
        <tr key={s.id} className="border-b border-line last:border-0" data-testid="silence-row" data-silence-id={s.id}>
          <td className={`${td} max-w-80 break-all font-mono text-xs`}>{matcherText(s)}</td>
          <td className={td}>
            <span className={`inline-block rounded-full border px-2 py-0.5 text-xs font-medium ${STATE[s.state] ?? ""}`} data-testid="silence-state">
              {s.state}
            </span>
          </td>
          <td className={`${td} whitespace-nowrap font-mono text-xs`}>{utc(s.ends_at)}</td>
          <td className={`${td} text-xs`}>
            <Origin s={s} />
          </td>
          <td className={`${td} max-w-64 break-words text-xs text-muted`}>{s.comment}</td>
          {canExpire ? (
            <td className={td}>
              {s.state === "expired" ? null : (
                <ConfirmButton
                  label="Expire"
                  title="Expire this silence?"
                  consequence={
                    <>
                      Alertmanager will notify again, from now on, for alerts matching <code className="font-mono">{matcherText(s)}</code> — and Vigil will act on them
                      again. Recorded in the audit log as <code>autoheal.silence.expired</code>.
                    </>
                  }
                  confirmLabel="Expire silence"
                  danger
                  onConfirm={async () => {
                    await apiWrite("DELETE", `${SILENCES_URL}/${encodeURIComponent(s.id)}`);
                    await client.invalidateQueries({ queryKey: ["autoheal", SILENCES_URL] });
                  }}
                />
              )}
            </td>
          ) : null}
        </tr>
      ))}
    </Table>
  );
}
