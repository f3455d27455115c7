"use client";

import { useId, useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/page-header";
import { btnPrimary, input, label } from "@/components/ui/styles";
import { ApiError, apiWrite } from "../api";
import { SelectField } from "../delegations/select-field";
import { TextField } from "./text-field";
import { lines, type AgentOption, type Draft } from "./types";

const ACTIONS = ["Call", "IssueToken", "ExchangeToken", "Authorize"] as const;
type Action = (typeof ACTIONS)[number];
type Answer = { decision: "allow" | "deny"; policies: string[]; errors: string[]; route_template: string | null };

const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** `name: value` lines as the route's headers (names lower-cased, as the gateway passes them). */
function headerMap(text: string): Record<string, string> {
  return Object.fromEntries(
    lines(text).map((l) => {
      const at = l.indexOf(":");
      return at === -1 ? [l.toLowerCase(), ""] : [l.slice(0, at).trim().toLowerCase(), l.slice(at + 1).trim()];
    }),
  );
}

/**
 * "What if": describe a request and ask the saved set, or the draft in the editor, what it
 * would decide and which policies decided. Nothing is recorded; it is a question.
 */
export function WhatIf({ agents, saved, draft }: { agents: AgentOption[]; saved: string | null; draft: Draft }) {
  const id = useId();
  const [against, setAgainst] = useState<"saved" | "draft">(saved ? "saved" : "draft");
  const [who, setWho] = useState<"agent" | "person">("agent");
  const [agentId, setAgentId] = useState("");
  const [issuer, setIssuer] = useState("");
  const [sub, setSub] = useState("");
  const [personScopes, setPersonScopes] = useState("");
  const [actorId, setActorId] = useState("");
  const [action, setAction] = useState<Action>("Call");
  const [method, setMethod] = useState("GET");
  const [path, setPath] = useState("/");
  const [headers, setHeaders] = useState("");
  const [time, setTime] = useState("");
  const [ip, setIp] = useState("");
  const [dpop, setDpop] = useState(false);
  const [scopes, setScopes] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const source = saved ? against : "draft";

  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setAnswer(null);
    try {
      const body = {
        ...(source === "saved" && saved ? { set: saved } : { text: draft.text, routes: lines(draft.routes), audience: draft.audience || undefined }),
        action,
        principal: who === "agent" ? { agent_id: agentId || undefined } : { person: { issuer, sub, scopes: words(personScopes) } },
        ...(actorId ? { actor_agent_id: actorId } : {}),
        ...(action === "Call" ? { route: { method: method.toUpperCase(), path, headers: headerMap(headers) } } : {}),
        context: { ...(time ? { time } : {}), ...(ip ? { ip } : {}), dpop_bound: dpop, scopes: words(scopes) },
      };
      setAnswer(await apiWrite<Answer>("POST", "/api/v1/policy-decisions", body));
    } catch (err) {
      if (err instanceof ApiError) setMessage(err.fields.length > 0 ? `${err.message} ${err.fields.map((f) => `${f.path}: ${f.message}`).join("; ")}` : err.message);
      else setMessage("The request did not reach Vigil; try again.");
    } finally {
      setBusy(false);
    }
  };

  const agentOptions = [{ value: "", label: "Choose an agent…" }, ...agents.map((a) => ({ value: a.id, label: a.name }))];
  return (
    <form onSubmit={ask} className="space-y-4" noValidate data-testid="what-if">
      {saved ? (
        <fieldset className="flex flex-wrap gap-4 text-sm">
          <legend className="sr-only">Ask</legend>
          <label className="inline-flex items-center gap-2">
            <input type="radio" name={`${id}-against`} checked={against === "saved"} onChange={() => setAgainst("saved")} className="accent-accent" />
            The saved set ({saved})
          </label>
          <label className="inline-flex items-center gap-2">
            <input type="radio" name={`${id}-against`} checked={against === "draft"} onChange={() => setAgainst("draft")} className="accent-accent" />
            The draft in the editor
          </label>
        </fieldset>
      ) : (
        <p className="text-sm text-muted">Asks the draft in the editor (its audience and route templates).</p>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField id={`${id}-who`} text="Principal" value={who} options={[{ value: "agent", label: "An agent" }, { value: "person", label: "A person" }]} onChange={(v) => setWho(v === "person" ? "person" : "agent")} problem={null} hint="Who makes the request." />
        {who === "agent" ? (
          <SelectField id={`${id}-agent`} text="Agent" value={agentId} options={agentOptions} onChange={setAgentId} problem={null} hint="Its name, owner, status, scopes and environment as Vigil holds them now." />
        ) : (
          <>
            <TextField id={`${id}-iss`} text="Person's issuer" value={issuer} onChange={setIssuer} hint="The identity provider's issuer URL." />
            <TextField id={`${id}-sub`} text="Person's subject" value={sub} onChange={setSub} hint="The sub claim." />
            <TextField id={`${id}-pscopes`} text="Person's scopes" value={personScopes} onChange={setPersonScopes} hint="Space-separated." />
            <SelectField id={`${id}-actor`} text="Acting agent" value={actorId} options={[{ value: "", label: "None (the person's own request)" }, ...agents.map((a) => ({ value: a.id, label: a.name }))]} onChange={setActorId} problem={null} hint="For a delegated request: context.actor." />
          </>
        )}
        <SelectField id={`${id}-action`} text="Action" value={action} options={ACTIONS.map((a) => ({ value: a, label: a }))} onChange={(v) => setAction(ACTIONS.find((a) => a === v) ?? "Call")} problem={null} hint="Call is a request through the gateway; the others decide tokens and consent." />
        {action === "Call" ? (
          <>
            <div className="grid grid-cols-[6rem_1fr] gap-2">
              <div>
                <label htmlFor={`${id}-method`} className={label}>
                  Method
                </label>
                <select id={`${id}-method`} className={`${input} mt-1`} value={method} onChange={(e) => setMethod(e.target.value)}>
                  {["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </div>
              <TextField id={`${id}-path`} text="Path" value={path} onChange={setPath} hint="As the service receives it." />
            </div>
            <TextField id={`${id}-headers`} text="Request headers" rows={2} value={headers} onChange={setHeaders} hint="name: value, one per line (only the set's selected headers count)." />
          </>
        ) : null}
        <TextField id={`${id}-scopes`} text="Token scopes" value={scopes} onChange={setScopes} hint="context.scopes, space-separated." />
        <TextField id={`${id}-time`} text="Time" value={time} onChange={setTime} hint="ISO 8601 with offset (2026-12-01T09:00:00Z); empty: now." />
        <TextField id={`${id}-ip`} text="Source IP" value={ip} onChange={setIp} hint="context.sourceIp; empty: none." />
        <label className="inline-flex items-center gap-2 self-center text-sm">
          <input type="checkbox" checked={dpop} onChange={(e) => setDpop(e.target.checked)} className="accent-accent" />
          DPoP-bound token
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className={btnPrimary} disabled={busy}>
          {busy ? "Asking…" : "Ask"}
        </button>
        {message ? (
          <p role="alert" className="text-sm text-danger" data-testid="what-if-error">
            {message}
          </p>
        ) : null}
      </div>
      {answer ? (
        <div role="status" className="space-y-1 rounded-md border border-line p-3 text-sm" data-testid="what-if-answer">
          <p>
            <span className="mr-2 font-medium">Decision</span>
            <span data-testid="what-if-decision">
              <Badge value={answer.decision} />
            </span>
          </p>
          <p>
            <span className="mr-2 font-medium">Decided by</span>
            <span className="font-mono text-xs" data-testid="what-if-policies">
              {answer.policies.length > 0 ? answer.policies.join(", ") : answer.decision === "deny" ? "no policy permitted it (default deny)" : "—"}
            </span>
          </p>
          {action === "Call" ? <p className="text-muted">Route template: {answer.route_template ?? "none matched"}</p> : null}
          {answer.errors.length > 0 ? <p className="text-warn">Errors while evaluating: {answer.errors.join("; ")}</p> : null}
        </div>
      ) : null}
    </form>
  );
}
