import { EmptyState } from "@/components/ui/page-header";
import { td } from "@/components/ui/styles";
import { Table, utc } from "./table";
import type { ActionView, AutohealStatus, RulesView } from "./types";

export function RulesTable({ rules }: { rules: RulesView }) {
  if (rules.rules.length === 0) {
    const unset = rules.source.startsWith("(");
    return (
      <EmptyState title="No rules are loaded">
        <p data-testid="no-rules">
          {unset ? (
            <>Vigil records every alert Alertmanager sends, but remediates nothing until it has rules. </>
          ) : (
            <>
              The rules file <code className="font-mono">{rules.source}</code> holds no rules, so Vigil records alerts but remediates nothing.{" "}
            </>
          )}
          To add rules, write a YAML file like <code className="font-mono">deploy/autoheal/rules.example.yml</code> (each rule matches an alertname and labels, and names
          an action, a cooldown and a blast radius), set <code className="font-mono">AUTOHEAL_RULES</code> to its path and restart Vigil: every instance reads and
          validates the file at start, and refuses to start naming each mistake.
        </p>
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

export function ResultBadge({ result, status }: { result: string | null; status: string }) {
  const look = result ? RESULT[result] : undefined;
  return (
    <span className={`inline-block rounded-full border px-2 py-0.5 text-xs font-medium ${look?.tone ?? "border-line text-muted"}`} data-testid="action-result">
      {look?.label ?? result ?? status}
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
            <ResultBadge result={a.result} status={a.status} />
            {a.status === "queued" || a.status === "running" ? <span className="ml-1 text-xs text-muted">{a.status}</span> : null}
          </td>
          <td className={td}>{a.attempts}</td>
          <td className={`${td} max-w-80 break-all text-xs text-muted`}>{detailLine(a.detail)}</td>
        </tr>
      ))}
    </Table>
  );
}
