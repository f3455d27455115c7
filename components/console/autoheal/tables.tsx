import { EmptyState } from "@/components/ui/page-header";
import { td, th } from "@/components/ui/styles";
import type { ActionView, AutohealStatus, RulesView } from "./types";

const utc = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—");

function Table({ caption, head, children }: { caption: string; head: string[]; children: React.ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-surface">
      <table className="w-full min-w-[40rem] text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-line">
          <tr>
            {head.map((h) => (
              <th key={h} className={th} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export function RulesTable({ rules }: { rules: RulesView }) {
  if (rules.rules.length === 0) {
    return (
      <EmptyState title="No rules">
        Alerts are recorded but nothing is remediated. Rules come from the file <code>AUTOHEAL_RULES</code> names
        {rules.source.startsWith("(") ? ", and none is set." : <> (now <code>{rules.source}</code>).</>}
      </EmptyState>
    );
  }
  return (
    <Table caption="Autoheal rules" head={["Rule", "Match", "Action", "Cooldown", "Blast radius"]}>
      {rules.rules.map((r) => (
        <tr key={r.name} className="border-b border-line last:border-0" data-testid="rule-row">
          <td className={`${td} font-mono`}>
            {r.name}
            {r.dry_run ? <span className="ml-2 rounded-full border border-line px-2 text-xs text-muted">always dry</span> : null}
          </td>
          <td className={`${td} font-mono text-xs`}>
            {r.matchers.map((m) => (
              <div key={m}>{m}</div>
            ))}
          </td>
          <td className={`${td} text-xs`}>
            <span className="font-semibold">{r.action}</span>
            {r.target ? <div className="break-all font-mono text-muted">{r.target}</div> : null}
          </td>
          <td className={`${td} font-mono`}>{r.cooldown}</td>
          <td className={td}>
            {r.blast_radius.max_actions} per {r.blast_radius.window}
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function CooldownsTable({ cooldowns }: { cooldowns: AutohealStatus["active_cooldowns"] }) {
  if (cooldowns.length === 0) return <EmptyState title="No active cooldowns" />;
  return (
    <Table caption="Active cooldowns" head={["Rule", "Alert", "Until (UTC)", "Remaining"]}>
      {cooldowns.map((c) => (
        <tr key={`${c.rule}-${c.alertname}-${c.until}`} className="border-b border-line last:border-0">
          <td className={`${td} font-mono`}>{c.rule}</td>
          <td className={`${td} font-mono`}>{c.alertname}</td>
          <td className={`${td} font-mono text-xs`}>{utc(c.until)}</td>
          <td className={td}>{c.remaining_seconds >= 120 ? `${Math.round(c.remaining_seconds / 60)} min` : `${c.remaining_seconds} s`}</td>
        </tr>
      ))}
    </Table>
  );
}

const RESULT: Record<string, { label: string; tone: string }> = {
  ok: { label: "ok", tone: "border-ok text-ok" },
  fail: { label: "fail", tone: "border-danger text-danger" },
  dry_run: { label: "dry run", tone: "border-accent text-accent" },
  skipped_cooldown: { label: "skipped: cooldown", tone: "border-line text-muted" },
  skipped_blast_radius: { label: "skipped: blast radius", tone: "border-warn text-warn" },
  skipped_disabled: { label: "skipped: disabled", tone: "border-line text-muted" },
};

function Result({ a }: { a: ActionView }) {
  const look = a.result ? RESULT[a.result] : undefined;
  return (
    <span className={`inline-block rounded-full border px-2 py-0.5 text-xs font-medium ${look?.tone ?? "border-line text-muted"}`} data-testid="action-result">
      {look?.label ?? a.result ?? a.status}
    </span>
  );
}

const detailLine = (d: Record<string, unknown> | null) => {
  if (!d) return "";
  const parts: string[] = [];
  for (const key of ["summary", "status", "error", "reason", "silence_id"]) {
    const v = d[key];
    if (typeof v === "string" || typeof v === "number") parts.push(key === "summary" ? String(v) : `${key}: ${String(v)}`);
  }
  return parts.join(" · ");
};

export function ActionsTable({ actions }: { actions: ActionView[] }) {
  if (actions.length === 0) {
    return <EmptyState title="No actions yet">When Alertmanager sends an alert that matches a rule, its job and result appear here.</EmptyState>;
  }
  return (
    <Table caption="Recent autoheal actions, newest first" head={["Received (UTC)", "Rule", "Alert", "Result", "Attempts", "Detail"]}>
      {actions.map((a) => (
        <tr key={a.id} className="border-b border-line last:border-0" data-testid="action-row">
          <td className={`${td} whitespace-nowrap font-mono text-xs`}>{utc(a.received_at)}</td>
          <td className={`${td} font-mono`}>{a.rule}</td>
          <td className={`${td} text-xs`}>
            <span className="font-mono">{a.alertname}</span>
            <div className="font-mono text-muted">
              {Object.entries(a.labels)
                .filter(([k]) => k !== "alertname")
                .map(([k, v]) => `${k}=${v}`)
                .join(" ")}
            </div>
          </td>
          <td className={td}>
            <Result a={a} />
            {a.status === "queued" || a.status === "running" ? <span className="ml-1 text-xs text-muted">{a.status}</span> : null}
          </td>
          <td className={td}>{a.attempts}</td>
          <td className={`${td} max-w-80 break-all text-xs text-muted`}>{detailLine(a.detail)}</td>
        </tr>
      ))}
    </Table>
  );
}
