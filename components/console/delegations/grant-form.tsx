"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { btnPrimary } from "@/components/ui/styles";
import { ApiError, apiWrite, type FieldProblem } from "../api";
import { CheckGroup } from "./check-group";
import { SelectField } from "./select-field";
import { utc, type AgentOption, type GrantView } from "./types";

const DURATIONS = [
  { seconds: 3600, label: "1 hour" },
  { seconds: 86_400, label: "1 day" },
  { seconds: 7 * 86_400, label: "7 days" },
  { seconds: 30 * 86_400, label: "30 days" },
  { seconds: 90 * 86_400, label: "90 days" },
];
const FIELDS = ["agent_id", "scopes", "resources", "expires_in", "max_depth"] as const;

const toggle = (set: ReadonlySet<string>, value: string) => {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
};

/**
 * Let an agent act for the signed-in person. Only scopes both the person holds and the
 * agent may ever hold are offered (the API refuses anything else anyway); the API validates
 * and its field problems are shown next to their fields, as the agent form does.
 */
export function GrantForm({ agents, held, maxDepth }: { agents: AgentOption[]; held: string[]; maxDepth: number }) {
  const id = useId();
  const client = useQueryClient();
  const [agentId, setAgentId] = useState("");
  const [scopes, setScopes] = useState<ReadonlySet<string>>(new Set());
  const [resources, setResources] = useState<ReadonlySet<string>>(new Set());
  const [duration, setDuration] = useState(3600);
  const [depth, setDepth] = useState(1);
  const [fields, setFields] = useState<FieldProblem[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const agent = agents.find((a) => a.id === agentId);
  const offered = agent ? agent.scopes.filter((s) => held.includes(s)) : [];
  const problem = (name: string) => {
    const found = fields.filter((f) => f.path === name || f.path.startsWith(`${name}.`));
    return found.length > 0 ? found.map((f) => f.message).join("; ") : null;
  };

  const pick = (next: string) => {
    setAgentId(next);
    setScopes(new Set());
    setResources(new Set());
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields([]);
    setMessage(null);
    setDone(null);
    try {
      // No resource ticked: the grant covers every resource the agent is registered for.
      const body = { agent_id: agentId || undefined, scopes: [...scopes], ...(resources.size > 0 ? { resources: [...resources] } : {}), expires_in: duration, max_depth: depth };
      const grant = await apiWrite<GrantView>("POST", "/api/v1/delegations", body);
      setDone(`${agent?.name ?? "The agent"} may act for you with ${grant.scopes.join(" ")} until ${utc(grant.expires_at)}.`);
      pick("");
      await client.invalidateQueries({ queryKey: ["delegations"] });
    } catch (error) {
      if (error instanceof ApiError) {
        const known = error.fields.filter((f) => FIELDS.some((n) => f.path === n || f.path.startsWith(`${n}.`)));
        setFields(known);
        setMessage(known.length === error.fields.length && known.length > 0 ? "Please correct the fields marked below." : error.message);
      } else setMessage("The request did not reach Vigil; try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-t`} className="space-y-4 rounded-lg border border-line bg-surface p-4" noValidate>
      <div>
        <h2 id={`${id}-t`} className="font-semibold">
          Let an agent act for you
        </h2>
        <p className="mt-1 text-sm text-muted">
          The agent may then exchange your sign-in token for tokens that say it acts for you — never more than you hold, the agent may hold and you allow here.
        </p>
        <p className="mt-1 text-sm text-muted" data-testid="held-scopes">
          Scopes you hold: <span className="font-mono text-xs text-fg">{held.join(" ") || "none"}</span>
        </p>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="sm:col-span-2">
          <SelectField
            id={`${id}-agent`}
            text="Agent"
            value={agentId}
            options={[{ value: "", label: "Choose an active agent…" }, ...agents.map((a) => ({ value: a.id, label: a.name }))]}
            onChange={pick}
            problem={problem("agent_id")}
            hint={agents.length === 0 ? "No active agents: register one first." : "Only active agents can be given a delegation."}
          />
        </div>
        <CheckGroup
          id={`${id}-scopes`}
          legend="Scopes"
          options={offered}
          chosen={scopes}
          onToggle={(s) => setScopes((c) => toggle(c, s))}
          problem={problem("scopes")}
          hint="What the agent may do for you: scopes you hold that it may also hold."
          empty={agent ? `You hold none of the scopes ${agent.name} may use (${agent.scopes.join(" ") || "none"}).` : "Choose an agent first."}
        />
        <CheckGroup
          id={`${id}-resources`}
          legend="Resources"
          options={agent?.resources ?? []}
          chosen={resources}
          onToggle={(r) => setResources((c) => toggle(c, r))}
          problem={problem("resources")}
          hint="Optional: none ticked lets it use every resource it is registered for."
          empty="Choose an agent first."
        />
        <SelectField
          id={`${id}-duration`}
          text="Duration"
          value={String(duration)}
          options={DURATIONS.map((d) => ({ value: String(d.seconds), label: d.label }))}
          onChange={(v) => setDuration(Number(v))}
          problem={problem("expires_in")}
          hint="After this the agent can no longer act for you."
        />
        <SelectField
          id={`${id}-depth`}
          text="Max depth"
          value={String(depth)}
          options={Array.from({ length: maxDepth }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }))}
          onChange={(v) => setDepth(Number(v))}
          problem={problem("max_depth")}
          hint="1: only this agent. More lets it pass the delegation on to other agents, that many in one chain."
        />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className={btnPrimary} disabled={busy}>
          {busy ? "Granting…" : "Grant delegation"}
        </button>
        {message ? (
          <p role="alert" className="text-sm text-danger">
            {message}
          </p>
        ) : null}
        {done ? (
          <p role="status" className="text-sm text-ok">
            {done}
          </p>
        ) : null}
      </div>
    </form>
  );
}
