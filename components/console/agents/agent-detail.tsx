"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { AgentUsage } from "@/lib/console/agent-usage";
import type { AuditEventView } from "@/lib/audit/list";
import type { AgentView } from "@/lib/identity/agents/schemas";
import type { GrantView } from "@/lib/identity/delegations/schemas";
import { Badge } from "@/components/ui/page-header";
import { btnSecondary, card, link } from "@/components/ui/styles";
import { apiGet, apiWrite } from "../api";
import { EventsTable } from "../audit/events-table";
import { ConfirmButton } from "../confirm-dialog";
import { LazyUsageChart } from "../lazy-charts";
import { useHydratedMark } from "../use-hydrated-mark";
import { AgentForm } from "./agent-form";
import { Authentication } from "./authentication";
import { ClientRegistration } from "./client-registration";
import { CredentialsPanel, type CredentialView } from "./credentials-panel";
import { MayActFor } from "./may-act-for";

export type AgentDetailData = {
  agent: AgentView;
  credentials: CredentialView[];
  usage: AgentUsage;
  events: AuditEventView[];
  /** Live grants naming this agent. */
  grants: GrantView[];
};

const when = (iso: string | null) => (iso ? `${iso.slice(0, 19).replace("T", " ")} UTC` : "never");

/** One agent: fields, status actions, credentials, usage and recent events, kept fresh from the API. */
export function AgentDetail({ initial, canWrite, renderedAt }: { initial: AgentDetailData; canWrite: boolean; renderedAt: number }) {
  useHydratedMark("agent");
  const id = initial.agent.id;
  const base = `/api/v1/agents/${id}`;
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const agent = useQuery({ queryKey: ["agent", id, "view", renderedAt], queryFn: () => apiGet<AgentView>(base), initialData: initial.agent, initialDataUpdatedAt: renderedAt }).data;
  const credentials = useQuery({
    queryKey: ["agent", id, "credentials", renderedAt],
    queryFn: async () => (await apiGet<{ credentials: CredentialView[] }>(`${base}/credentials`)).credentials,
    initialData: initial.credentials,
    initialDataUpdatedAt: renderedAt,
  }).data;
  const usage = useQuery({ queryKey: ["agent", id, "usage", renderedAt], queryFn: () => apiGet<AgentUsage>(`${base}/usage`), initialData: initial.usage, initialDataUpdatedAt: renderedAt }).data;
  const events = useQuery({
    queryKey: ["agent", id, "events", renderedAt],
    queryFn: async () => (await apiGet<{ events: AuditEventView[] }>(`/api/v1/audit?agentId=${id}&n=20`)).events,
    initialData: initial.events,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 30_000,
  }).data;
  const refresh = () => client.invalidateQueries({ queryKey: ["agent", id] });
  const transition = (action: "suspend" | "reactivate" | "decommission") => async () => {
    await apiWrite("POST", `${base}/${action}`);
    await refresh();
  };
  const active = credentials.filter((c) => c.status === "active").length;
  const quotaShare = usage.quota ? Math.min(1, usage.month_tokens / usage.quota) : null;

  return (
    <div className="space-y-6">
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold tracking-tight">
            <span className="break-all">{agent.name}</span> <Badge value={agent.status} />
          </h1>
          <p className="mt-1 break-all font-mono text-xs text-muted">{agent.id}</p>
        </div>
        {canWrite && agent.status !== "decommissioned" ? (
          <div className="flex flex-wrap gap-2" aria-label="Agent actions" role="group">
            <button type="button" className={btnSecondary} onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
              Edit
            </button>
            {agent.status === "active" ? (
              <ConfirmButton
                label="Suspend"
                title={`Suspend ${agent.name}?`}
                consequence="The agent gets no new tokens and the tokens it holds stop being accepted, until it is reactivated. Its credentials are kept."
                confirmLabel="Suspend agent"
                onConfirm={transition("suspend")}
              />
            ) : (
              <ConfirmButton
                label="Reactivate"
                title={`Reactivate ${agent.name}?`}
                consequence="The agent can obtain tokens again with its active credentials."
                confirmLabel="Reactivate agent"
                onConfirm={transition("reactivate")}
              />
            )}
            <ConfirmButton
              label="Decommission"
              danger
              title={`Decommission ${agent.name}?`}
              consequence={
                <>
                  <strong className="text-danger">This is final.</strong> The agent can never be reactivated or edited, all {active} active
                  credential{active === 1 ? "" : "s"} are revoked, and its tokens stop being accepted.
                </>
              }
              confirmLabel="Decommission for good"
              onConfirm={transition("decommission")}
            />
          </div>
        ) : null}
      </header>

      {editing ? (
        <section aria-labelledby="edit" className={card}>
          <h2 id="edit" className="mb-3 font-semibold">
            Edit agent
          </h2>
          <AgentForm
            agent={agent}
            submitLabel="Save changes"
            onCancel={() => setEditing(false)}
            onSubmit={async (payload) => {
              await apiWrite("PATCH", base, payload);
              await refresh();
              setEditing(false);
            }}
          />
        </section>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-3">
        <section aria-labelledby="details" className={card}>
          <h2 id="details" className="mb-2 font-semibold">
            Details
          </h2>
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="text-muted">Email</dt>
            <dd className="break-all">{agent.email}</dd>
            <dt className="text-muted">Owner</dt>
            <dd>{agent.owner}</dd>
            <dt className="text-muted">Environment</dt>
            <dd>{agent.deployment_env}</dd>
            <dt className="text-muted">Scopes</dt>
            <dd className="font-mono text-xs">{agent.allowed_scopes.join(" ") || "none"}</dd>
            <dt className="text-muted">Resources</dt>
            <dd className="break-all font-mono text-xs" data-testid="registered-resources">
              {agent.allowed_resources ? agent.allowed_resources.join(" ") : <span className="font-sans">Vigil&apos;s API only</span>}
            </dd>
            <dt className="text-muted">Last seen</dt>
            <dd data-testid="last-seen">{when(agent.last_seen_at)}</dd>
            <dt className="text-muted">Created</dt>
            <dd>{when(agent.created_at)}</dd>
          </dl>
        </section>
        <section aria-labelledby="quota" className={card}>
          <h2 id="quota" className="mb-2 font-semibold">
            Quota ({usage.month})
          </h2>
          <p className="text-2xl font-semibold tabular-nums" data-testid="quota-use">
            {usage.month_tokens.toLocaleString("en")}
            <span className="text-base font-normal text-muted"> / {usage.quota === null ? "unlimited" : usage.quota.toLocaleString("en")} tokens</span>
          </p>
          {quotaShare !== null ? (
            <div className="mt-2">
              <div role="meter" aria-label="Monthly quota used" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(quotaShare * 100)} className="h-2 rounded bg-surface-2">
                <div className={`h-2 rounded ${quotaShare >= 0.9 ? "bg-danger" : "bg-accent"}`} style={{ width: `${quotaShare * 100}%` }} />
              </div>
              <p className="mt-1 text-xs text-muted">{Math.round(quotaShare * 100)}% used; token requests are refused at 100% until next month.</p>
            </div>
          ) : (
            <p className="mt-1 text-xs text-muted">No monthly limit for this agent.</p>
          )}
        </section>
        <div className="lg:row-span-1">
          <LazyUsageChart days={usage.days} />
        </div>
      </div>

      <Authentication agent={agent} />

      <ClientRegistration agent={agent} />

      <MayActFor agentId={id} initial={initial.grants} renderedAt={renderedAt} />

      <CredentialsPanel agentId={id} agentName={agent.name} credentials={credentials} canWrite={canWrite} agentActive={agent.status !== "decommissioned"} onChanged={refresh} />

      <section aria-labelledby="recent" className="space-y-2">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="recent" className="text-lg font-semibold">
            Recent events
          </h2>
          <a className={link} href={`/audit?q=${encodeURIComponent(`agent=${id}`)}`}>
            All events of this agent
          </a>
        </div>
        <EventsTable events={events} empty="No events for this agent yet." />
      </section>
    </div>
  );
}
