"use client";

import { useId, useState, type FormEvent } from "react";
import type { AgentView } from "@/lib/identity/agents/schemas";
import { btnPrimary, btnSecondary, input, label } from "@/components/ui/styles";
import { ApiError, type FieldProblem } from "../api";
import { AGENT_FIELDS, ALL_FIELDS, CLIENT_FIELDS, PROOF_FIELDS, payloadOf, problemsFor, valuesOf, type AgentPayload, type Field, type Values } from "./agent-fields";

export type { AgentPayload };

/** One labelled control with its hint, or the API's problem with it, below. */
function FieldControl({ id, field, value, problem, onChange }: { id: string; field: Field; value: string; problem: string | null; onChange: (value: string) => void }) {
  const control = `${id}-${field.name}`;
  const common = { id: control, name: field.name, value, "aria-invalid": problem !== null, "aria-describedby": `${control}-help` };
  return (
    <div className={field.area ? "sm:col-span-2" : undefined}>
      <label htmlFor={control} className={label}>
        {field.label}
      </label>
      {field.area ? (
        <textarea {...common} rows={3} spellCheck={field.area === "text"} className={`${input} mt-1 ${field.area === "list" ? "font-mono" : ""}`} onChange={(e) => onChange(e.target.value)} />
      ) : field.options ? (
        <select {...common} className={`${input} mt-1`} onChange={(e) => onChange(e.target.value)}>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input {...common} type={field.type ?? "text"} className={`${input} mt-1`} onChange={(e) => onChange(e.target.value)} />
      )}
      <p id={`${control}-help`} className={`mt-1 text-xs ${problem ? "text-danger" : "text-muted"}`}>
        {problem ?? field.hint}
      </p>
    </div>
  );
}

/**
 * Create or edit an agent, with its OAuth client registration. The API validates; its field
 * errors are shown next to the fields they name (problem+json `errors[].path`), anything
 * else above the buttons.
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
        const known = error.fields.filter((f) => ALL_FIELDS.some((x) => f.path === (x.apiPath ?? x.name) || f.path.startsWith(`${x.apiPath ?? x.name}.`)));
        setFields(known);
        setMessage(known.length === error.fields.length && known.length > 0 ? "Please correct the fields marked below." : error.message);
      } else setMessage("The request did not reach Vigil; try again.");
    } finally {
      setBusy(false);
    }
  };

  const controls = (list: Field[]) =>
    list.map((f) => (
      <FieldControl key={f.name} id={id} field={f} value={values[f.name]} problem={problemsFor(f, fields, values[f.name])} onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))} />
    ));

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div className="grid gap-3 sm:grid-cols-2">{controls(AGENT_FIELDS)}</div>
      <fieldset className="grid gap-3 rounded-md border border-line p-3 sm:grid-cols-2" aria-describedby={`${id}-client-help`}>
        <legend className="px-1 text-sm font-semibold">People authorize it (OAuth client)</legend>
        <p id={`${id}-client-help`} className="text-xs text-muted sm:col-span-2">
          How people let this agent act for them on Vigil&apos;s consent page (authorization code with PKCE). What they see there comes from here.
        </p>
        {controls(CLIENT_FIELDS)}
      </fieldset>
      <fieldset className="grid gap-3 rounded-md border border-line p-3 sm:grid-cols-2" aria-describedby={`${id}-proof-help`}>
        <legend className="px-1 text-sm font-semibold">How it proves itself</legend>
        <p id={`${id}-proof-help`} className="text-xs text-muted sm:col-span-2">
          Without a secret: registered public keys (private_key_jwt) or a workload identity (SPIFFE, Kubernetes, CI). And whether its tokens must be bound to its key (DPoP).
        </p>
        {controls(PROOF_FIELDS)}
      </fieldset>
      <div className="flex flex-wrap items-center gap-2">
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
