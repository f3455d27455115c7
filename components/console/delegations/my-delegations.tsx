"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { EmptyState } from "@/components/ui/page-header";
import { input, label } from "@/components/ui/styles";
import { apiGet } from "../api";
import { GrantsTable } from "./grants-table";
import { ListFailed, ListLoading } from "./list-states";
import { activeFirst, MINE_URL, type AgentNames, type GrantPage } from "./types";

type Show = "all" | "active";

/** The signed-in person's own grants, active first; a filter narrows to the active ones. */
export function MyDelegations({ initial, names, renderedAt }: { initial: GrantPage; names: AgentNames; renderedAt: number }) {
  const id = useId();
  const [show, setShow] = useState<Show>("all");
  const url = show === "active" ? `${MINE_URL}&active=true` : MINE_URL;
  const q = useQuery({
    queryKey: ["delegations", "mine", show, renderedAt],
    queryFn: () => apiGet<GrantPage>(url),
    // The server rendered the unfiltered list; another filter is read from the API.
    initialData: show === "all" ? initial : undefined,
    initialDataUpdatedAt: renderedAt,
    // Grants expire on their own: a periodic read moves them out of "active".
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby={`${id}-t`} className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id={`${id}-t`} className="text-lg font-semibold">
          Your delegations
        </h2>
        <div>
          <label htmlFor={`${id}-show`} className={label}>
            Show
          </label>
          <select id={`${id}-show`} value={show} onChange={(e) => setShow(e.target.value === "active" ? "active" : "all")} className={`${input} mt-1 w-auto`}>
            <option value="all">All (active first)</option>
            <option value="active">Active only</option>
          </select>
        </div>
      </div>
      {q.error ? <ListFailed what="your delegations" error={q.error} stale={q.data !== undefined} retry={() => void q.refetch()} /> : null}
      {q.data === undefined ? (
        q.isPending ? <ListLoading label="Loading your delegations…" /> : null
      ) : q.data.delegations.length === 0 ? (
        <EmptyState title={show === "active" ? "No active delegations." : "You have not let any agent act for you yet."}>
          Grant one above: the agent can then exchange your sign-in token for tokens that act for you, within what you allow here.
        </EmptyState>
      ) : (
        <>
          <GrantsTable grants={activeFirst(q.data.delegations)} names={names} showPerson={false} caption="Your delegations" canRevoke />
          {q.data.next_cursor ? <p className="text-sm text-muted">Your newest 200 delegations; older ones are in the audit log (kind=delegation.granted).</p> : null}
        </>
      )}
    </section>
  );
}
