"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { EmptyState } from "@/components/ui/page-header";
import { btnPrimary } from "@/components/ui/styles";
import { apiGet } from "../api";
import { ListFailed } from "../delegations/list-states";
import { useHydratedMark } from "../use-hydrated-mark";
import { SetEditor } from "./set-editor";
import { SetsTable } from "./sets-table";
import { ShadowDecisions } from "./shadow-decisions";
import { draftOf, emptyDraft, LIST_URL, type AgentOption, type Draft, type PolicySetView } from "./types";
import { VersionsPanel } from "./versions-panel";
import { WhatIf } from "./what-if";

function Section({ id, title, lead, children }: { id: string; title: string; lead?: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="space-y-3">
      <div>
        <h2 id={id} className="text-lg font-semibold">
          {title}
        </h2>
        {lead ? <p className="text-sm text-muted">{lead}</p> : null}
      </div>
      {children}
    </section>
  );
}

/**
 * The Policies page: every set, and for the one opened (or a new one) its editor, what-if,
 * history with diff and rollback, and the refusals shadow mode recorded. Only admins change
 * sets; the API refuses anyone else whatever the page shows.
 */
export function PoliciesConsole({ initial, agents, isAdmin, renderedAt }: { initial: { sets: PolicySetView[] }; agents: AgentOption[]; isAdmin: boolean; renderedAt: number }) {
  useHydratedMark("policies");
  const list = useQuery({
    queryKey: ["policies", "list", renderedAt],
    queryFn: () => apiGet<{ sets: PolicySetView[] }>(LIST_URL),
    initialData: initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 30_000,
  });
  // The set opened: its name, "" for a new one, null for none.
  const [open, setOpen] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  // Bumped when the operator opens another set or starts a new one: the forms start afresh
  // then, but not when a save or rollback hands back the set they are working on.
  const [session, setSession] = useState(0);
  const sets = list.data.sets;
  const current = open ? sets.find((s) => s.name === open) : undefined;

  const openSet = (name: string) => {
    const set = sets.find((s) => s.name === name);
    if (!set) return;
    setOpen(name);
    setDraft(draftOf(set));
    setSession((n) => n + 1);
  };
  const adopt = (set: PolicySetView) => {
    setOpen(set.name);
    setDraft(draftOf(set));
  };

  return (
    <div className="space-y-8">
      <Section id="policy-sets" title="Policy sets" lead="Cedar policies decide each token, exchange, consent and gateway call for their audience, after the scope checks.">
        {list.error ? <ListFailed what="the policy sets" error={list.error} stale retry={() => void list.refetch()} /> : null}
        {sets.length === 0 ? (
          <EmptyState title="No policy sets yet.">Without a set, an audience is governed by scopes alone.</EmptyState>
        ) : (
          <SetsTable sets={sets} selected={open} onOpen={openSet} />
        )}
        {isAdmin ? (
          <button
            type="button"
            className={btnPrimary}
            onClick={() => {
              setOpen("");
              setDraft(emptyDraft());
              setSession((n) => n + 1);
            }}
          >
            New policy set
          </button>
        ) : null}
      </Section>
      {open !== null ? (
        <>
          <SetEditor
            key={session}
            draft={draft}
            onDraft={setDraft}
            isNew={open === ""}
            readOnly={current?.source === "directory"}
            canSave={isAdmin}
            newer={current && current.version > draft.base ? current.version : null}
            onSaved={adopt}
          />
          <Section id="what-if" title="What if" lead="The decision a set would make for a request you describe, and which policies decided. Nothing is recorded.">
            <WhatIf key={session} agents={agents} saved={current ? current.name : null} draft={draft} />
          </Section>
          {current ? (
            <>
              <Section id="versions" title="Versions" lead="Every version keeps who saved it, when and why. Compare any two; roll back to make an old one current again.">
                <VersionsPanel key={current.name} name={current.name} canRollback={isAdmin && current.source === "console"} onRolledBack={adopt} />
              </Section>
              <Section id="shadow" title="Would have been refused" lead="Refusals recorded while this set was in shadow mode: what enforcing it would have changed.">
                <ShadowDecisions name={current.name} />
              </Section>
            </>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
