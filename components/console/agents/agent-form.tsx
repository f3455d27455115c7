"use client";

import { useId, useState, type FormEvent } from "react";
import type { AgentView } from "@/lib/identity/agents/schemas";
import { btnPrimary, btnSecondary, input, label } from "@/components/ui/styles";
import { ApiError, type FieldProblem } from "../api";

type Values = { name: string; email: string; owner: string; deployment_env: string; allowed_scopes: string; allowed_resources: string; monthly_token_quota: string };
export type AgentPayload = Partial<Omit<AgentView, "id" | "status" | "created_at" | "updated_at" | "last_seen_at">>;

const FIELDS: { name: keyof Values; label: string; hint?: string; type?: string; lines?: boolean }[] = [
  { name: "name", label: "Name" },
  { name: "email", label: "Email", type: "email", hint: "unique; where its owner can be reached" },
  { name: "owner", label: "Owner", hint: "team or person accountable" },
  { name: "deployment_env", label: "Deployment environment", hint: "e.g. production, staging" },
  { name: "allowed_scopes", label: "Allowed scopes", hint: "space-separated, e.g. orders:read orders:write" },
  {
    name: "allowed_resources",
    label: "Registered resources",
    lines: true,
    hint: "audiences its tokens may name (RFC 8707), one per line, e.g. https://invoices.example.com/; empty: Vigil's API only",
  },
  { name: "monthly_token_quota", label: "Monthly token quota", type: "number", hint: "blank: the server default" },
];

const valuesOf = (a?: AgentView): Values => ({
  name: a?.name ?? "",
  email: a?.email ?? "",
  owner: a?.owner ?? "",
  deployment_env: a?.deployment_env ?? "",
  allowed_scopes: a?.allowed_scopes.join(" ") ?? "",
  allowed_resources: a?.allowed_resources?.join("\n") ?? "",
  monthly_token_quota: a?.monthly_token_quota === null || a?.monthly_token_quota === undefined ? "" : String(a.monthly_token_quota),
});

function resourceLines(text: string): string[] | null {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length > 0 ? lines : null;
}

function payloadOf(v: Values): AgentPayload {
  return {
    name: v.name,
    email: v.email,
    owner: v.owner,
    deployment_env: v.deployment_env,
    allowed_scopes: v.allowed_scopes.split(/\s+/).filter(Boolean),
    // No lines: null, the default (only Vigil's own API audience).
    allowed_resources: resourceLines(v.allowed_resources),
    monthly_token_quota: v.monthly_token_quota.trim() === "" ? null : Number(v.monthly_token_quota),
  };
}

/**
 * Create or edit an agent. The API validates; its field errors are shown next to the
 * fields they name (problem+json `errors[].path`), anything else above the buttons.
 */
export function AgentForm({ agent, submitLabel, onSubmit, onCancel }: { agent?: AgentView; submitLabel: string; onSubmit: (payload: AgentPayload) => Promise<void>; onCancel?: () => void }) {
  const id = useId();
  const [values, setValues] = useState<Values>(() => valuesOf(agent));
  const [fields, setFields] = useState<FieldProblem[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields([]);
    setMessage(null);
    const all = payloadOf(values);
    const before = agent ? payloadOf(valuesOf(agent)) : null;
    // Edits send only what changed: the audit event then lists exactly those fields.
    const payload = before
      ? Object.fromEntries(Object.entries(all).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof AgentPayload])))
      : all;
    if (before && Object.keys(payload).length === 0) {
      setMessage("Nothing changed.");
      setBusy(false);
      return;
    }
    try {
      await onSubmit(payload);
    } catch (error) {
      if (error instanceof ApiError) {
        const known = error.fields.filter((f) => FIELDS.some((x) => f.path === x.name || f.path.startsWith(`${x.name}.`)));
        setFields(known);
        setMessage(known.length === error.fields.length && known.length > 0 ? "Please correct the fields marked below." : error.message);
      } else setMessage("The request did not reach Vigil; try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" noValidate>
      {FIELDS.map((f) => {
        const problems = fields.filter((p) => p.path === f.name || p.path.startsWith(`${f.name}.`));
        const err = problems.length > 0;
        return (
          <div key={f.name} className={f.lines ? "sm:col-span-2" : undefined}>
            <label htmlFor={`${id}-${f.name}`} className={label}>
              {f.label}
            </label>
            {f.lines ? (
              <textarea
                id={`${id}-${f.name}`}
                name={f.name}
                rows={3}
                spellCheck={false}
                className={`${input} mt-1 font-mono`}
                value={values[f.name]}
                onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
                aria-invalid={err}
                aria-describedby={`${id}-${f.name}-help`}
              />
            ) : (
              <input
                id={`${id}-${f.name}`}
                name={f.name}
                type={f.type ?? "text"}
                className={`${input} mt-1`}
                value={values[f.name]}
                onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
                aria-invalid={err}
                aria-describedby={`${id}-${f.name}-help`}
              />
            )}
            <p id={`${id}-${f.name}-help`} className={`mt-1 text-xs ${err ? "text-danger" : "text-muted"}`}>
              {err ? problems.map((p) => p.message).join("; ") : f.hint}
            </p>
          </div>
        );
      })}
      <div className="flex flex-wrap items-center gap-2 sm:col-span-2">
        <button type="submit" className={btnPrimary} disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" className={btnSecondary} onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        {message ? (
          <p role="alert" className="text-sm text-danger">
            {message}
          </p>
        ) : null}
      </div>
    </form>
  );
}
