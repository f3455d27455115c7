"use client";

import { useId } from "react";
import { input, label as labelClass, link } from "@/components/ui/styles";
import { checkQuery } from "./query-feedback";

const EXAMPLES = [
  { q: "kind=token.issued", note: "tokens issued" },
  { q: "kind=auth.failed AND NOT ip=10.0.0.0/8", note: "failures from outside 10/8" },
  { q: "kind~action AND outcome=failure", note: "failed autoheal actions" },
  { q: "alertname=HighCPU OR label.severity=critical", note: "alerts by name or label" },
  { q: "meta.attempts>=3", note: "numeric metadata" },
  { q: '"connection refused"', note: "free text anywhere in the event" },
];

/** The query input with instant syntax feedback: position, a caret under it, and what was expected. */
export function QueryBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const id = useId();
  const feedback = checkQuery(value);
  return (
    <div>
      <label htmlFor={id} className={labelClass}>
        Query
      </label>
      <input
        id={id}
        name="q"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className={`${input} mt-1 font-mono`}
        placeholder="kind=token.issued AND agent=…"
        spellCheck={false}
        autoComplete="off"
        aria-invalid={!feedback.ok}
        aria-describedby={`${id}-feedback`}
      />
      <div id={`${id}-feedback`} aria-live="polite" className="mt-1 min-h-5 text-sm" data-testid="query-feedback">
        {feedback.ok ? (
          <span className="text-muted">{value.trim() ? "Query is valid." : "No query: every event in the range."}</span>
        ) : (
          <span className="text-danger" role="alert">
            <span className="sr-only">Syntax error: </span>position {feedback.position}: {feedback.detail}
            <span aria-hidden="true" className="block overflow-x-auto whitespace-pre font-mono text-xs">
              {value}
              {"\n"}
              {" ".repeat(Math.max(0, feedback.position - 1))}^
            </span>
          </span>
        )}
      </div>
      <details className="mt-1 text-sm">
        <summary className="cursor-pointer text-muted">Query help and examples</summary>
        <div className="mt-2 space-y-2 rounded-md border border-line bg-surface-2 p-3">
          <p>
            <code>field=value</code>, <code>!=</code>, <code>~</code> (contains), <code>&gt; &lt; &gt;= &lt;=</code> on{" "}
            <code>ts</code>, <code>id</code> and numeric <code>meta.*</code>; <code>AND</code>, <code>OR</code>, <code>NOT</code>,
            parentheses, <code>&quot;quoted values&quot;</code>, bare words as free text. Fields: kind, alertname, agent, actor,
            outcome, ip (address or CIDR), request_id, rule, client_id, ts, id, label.NAME, meta.PATH.
          </p>
          <ul className="space-y-1">
            {EXAMPLES.map((ex) => (
              <li key={ex.q}>
                <button type="button" className={`${link} font-mono`} onClick={() => onChange(ex.q)}>
                  {ex.q}
                </button>{" "}
                <span className="text-muted">— {ex.note}</span>
              </li>
            ))}
          </ul>
        </div>
      </details>
    </div>
  );
}
