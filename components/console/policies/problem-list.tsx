"use client";

import type { PolicyProblem, Validation } from "./types";

/** The engine's verdict in words under the editor: each problem as line:column, or the policies it found. */
export function ProblemList({ id, validation, checking, failed, problems }: { id: string; validation: Validation | undefined; checking: boolean; failed: Error | null; problems: PolicyProblem[] }) {
  return (
    <div id={id} aria-live="polite" className="space-y-1 text-sm" data-testid="policy-validation" data-state={checking ? "checking" : problems.length > 0 ? "invalid" : validation?.valid ? "valid" : "unknown"}>
      {failed ? <p className="text-warn">Could not check the draft: {failed.message}</p> : null}
      {problems.length > 0 ? (
        <ul className="space-y-1 font-mono text-xs text-danger" data-testid="policy-problems">
          {problems.map((p, n) => (
            <li key={`${n}:${p.line}:${p.column}`} data-testid="policy-problem" data-line={p.line}>
              {p.line}:{p.column} {p.message.replace(/^\d+:\d+: /, "")}
              {p.help && !p.message.includes(p.help) ? <span className="text-muted"> ({p.help})</span> : null}
              {p.policy ? <span className="text-muted"> [policy {p.policy}]</span> : null}
            </li>
          ))}
        </ul>
      ) : validation?.valid ? (
        <p className="text-ok" data-testid="policy-valid">
          Valid against Vigil&apos;s schema: {validation.policies.length === 0 ? "no policies (everything is denied)" : validation.policies.join(", ")}
        </p>
      ) : null}
      {checking ? <p className="text-xs text-muted">Checking…</p> : null}
    </div>
  );
}
