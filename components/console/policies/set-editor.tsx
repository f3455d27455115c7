"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { btnPrimary, input, label } from "@/components/ui/styles";
import { ApiError, apiWrite, type FieldProblem } from "../api";
import { CedarEditor } from "./cedar-editor";
import { ProblemList } from "./problem-list";
import { TextField } from "./text-field";
import { lines, setUrl, type Draft, type PolicyProblem, type PolicySetView } from "./types";
import { usePolicyValidation } from "./use-validation";

const FIELDS = ["name", "audience", "mode", "routes", "headers", "comment", "base_version"] as const;

/**
 * The editor for one set, or a new one: the Cedar text checked as it is typed, the set's
 * audience, mode, route templates and selected headers, and a comment kept with the version.
 * Saving sends the version it was read at, so a concurrent change is a 409 shown here, not a
 * change lost. Sets from POLICY_DIR are shown read-only: they change in that directory.
 */
export function SetEditor({
  draft,
  onDraft,
  isNew,
  readOnly,
  canSave,
  newer,
  onSaved,
}: {
  draft: Draft;
  onDraft: (next: Draft) => void;
  isNew: boolean;
  readOnly: boolean;
  canSave: boolean;
  /** The set's version when someone saved one after this draft was read: saving would be refused. */
  newer: number | null;
  onSaved: (set: PolicySetView) => void;
}) {
  const id = useId();
  const client = useQueryClient();
  const [comment, setComment] = useState("");
  const [fields, setFields] = useState<FieldProblem[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { validation, checking, error } = usePolicyValidation(draft.text);
  // A refused save's text problems hold until the text changes; then the live check speaks.
  const [savedProblems, setSavedProblems] = useState<{ text: string; problems: PolicyProblem[] } | null>(null);
  const problems: PolicyProblem[] = savedProblems && savedProblems.text === draft.text ? savedProblems.problems : validation && !validation.valid ? validation.problems : [];
  const problem = (name: string) => {
    const found = fields.filter((f) => f.path === name || f.path.startsWith(`${name}.`));
    return found.length > 0 ? found.map((f) => f.message).join("; ") : null;
  };
  const edit = (patch: Partial<Draft>) => {
    setDone(null);
    onDraft({ ...draft, ...patch });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields([]);
    setMessage(null);
    setDone(null);
    setSavedProblems(null);
    try {
      const body = { audience: draft.audience, mode: draft.mode, text: draft.text, routes: lines(draft.routes), headers: lines(draft.headers), comment, base_version: draft.base };
      const saved = await apiWrite<PolicySetView>("POST", `${setUrl(draft.name.trim())}/versions`, body);
      setComment("");
      setDone(`Saved ${saved.name} as version ${saved.version}; every instance applies it within a second.`);
      await client.invalidateQueries({ queryKey: ["policies"] });
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) {
        const text = err.fields.filter((f) => f.path === "text" && f.line !== undefined);
        if (text.length > 0) setSavedProblems({ text: draft.text, problems: text.map((f) => ({ line: f.line ?? 1, column: f.column ?? 1, message: f.message })) });
        setFields(err.fields.filter((f) => FIELDS.some((n) => f.path === n || f.path.startsWith(`${n}.`))));
        setMessage(err.status === 409 ? err.message : `Not saved: ${err.message}`);
        // Someone else's version: read it, so the editor can say which one it is.
        if (err.status === 409) await client.invalidateQueries({ queryKey: ["policies"] });
      } else setMessage("The request did not reach Vigil; try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-t`} className="space-y-4 rounded-lg border border-line bg-surface p-4" noValidate data-testid="policy-editor">
      <div>
        <h2 id={`${id}-t`} className="font-semibold">
          {isNew ? "New policy set" : `Policy set ${draft.name}`}
          {isNew ? null : <span className="ml-2 text-sm font-normal text-muted">editing from version {draft.base}</span>}
        </h2>
        {readOnly ? (
          <p className="mt-1 rounded-md border border-warn p-2 text-sm text-warn" data-testid="directory-note">
            Managed in POLICY_DIR: this set is read-only here. Change its file in the policy directory; the console and the API only read it.
          </p>
        ) : (
          <p className="mt-1 text-sm text-muted">One set per audience. Cedar denies by default: an enforced set that permits nothing refuses every token and call for its audience — try it in shadow mode first.</p>
        )}
      </div>
      {newer !== null ? (
        <p role="status" className="rounded-md border border-warn p-2 text-sm text-warn" data-testid="newer-version">
          Version {newer} was saved after you opened this set: saving now is refused. Open the set again to start from it.
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-3">
        {isNew ? (
          <TextField id={`${id}-name`} text="Name" value={draft.name} onChange={(name) => edit({ name })} hint="Lower-case letters, digits and dashes." problem={problem("name")} />
        ) : null}
        <div className={isNew ? "sm:col-span-1" : "sm:col-span-2"}>
          <TextField id={`${id}-aud`} text="Audience" value={draft.audience} onChange={(audience) => edit({ audience })} hint="The resource URL tokens are minted for." problem={problem("audience")} readOnly={readOnly} placeholder="https://service.example.com/" />
        </div>
        <div>
          <label htmlFor={`${id}-mode`} className={label}>
            Mode
          </label>
          <select id={`${id}-mode`} value={draft.mode} disabled={readOnly} onChange={(e) => edit({ mode: e.target.value === "enforce" ? "enforce" : "shadow" })} className={`${input} mt-1`} aria-describedby={`${id}-mode-help`}>
            <option value="shadow">shadow (record refusals, refuse nothing)</option>
            <option value="enforce">enforce</option>
          </select>
          <p id={`${id}-mode-help`} className="mt-1 text-xs text-muted">
            Shadow decides and audits every request without refusing any.
          </p>
        </div>
        <TextField id={`${id}-routes`} text="Route templates" rows={3} value={draft.routes} onChange={(routes) => edit({ routes })} hint="One per line, e.g. /api/tenants/{tenant}/invoices." problem={problem("routes")} readOnly={readOnly} />
        <TextField id={`${id}-headers`} text="Selected headers" rows={3} value={draft.headers} onChange={(headers) => edit({ headers })} hint="Lower-case, one per line: tags header:<name> on the route." problem={problem("headers")} readOnly={readOnly} />
      </div>
      <div className="space-y-2">
        <label htmlFor={`${id}-text`} className={label}>
          Policy text
        </label>
        <CedarEditor
          id={`${id}-text`}
          value={draft.text}
          onChange={(text) => {
            setSavedProblems(null);
            edit({ text });
          }}
          readOnly={readOnly}
          problems={problems}
          describedBy={`${id}-problems`}
        />
        <ProblemList id={`${id}-problems`} validation={validation} checking={checking} failed={error} problems={problems} />
      </div>
      {canSave && !readOnly ? (
        <div className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-start">
          <TextField id={`${id}-comment`} text="Comment" value={comment} onChange={setComment} hint="Why this change: kept with the version and in the audit log." problem={problem("comment")} />
          <button type="submit" className={`${btnPrimary} sm:mt-6`} disabled={busy}>
            {busy ? "Saving…" : isNew ? "Create set" : "Save new version"}
          </button>
        </div>
      ) : null}
      {message ? (
        <p role="alert" className="text-sm text-danger" data-testid="save-error">
          {message}
        </p>
      ) : null}
      {done ? (
        <p role="status" className="text-sm text-ok" data-testid="save-done">
          {done}
        </p>
      ) : null}
    </form>
  );
}
