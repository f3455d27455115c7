"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { EmptyState } from "@/components/ui/page-header";
import { btnSecondary } from "@/components/ui/styles";
import { apiGet } from "../api";
import { GrantsTable } from "./grants-table";
import { ListFailed, ListLoading } from "./list-states";
import { type AgentNames, type GrantPage } from "./types";

const PAGE = 100;

/** Admins: every person's grants, newest first, by keyset pages; an admin may revoke any. */
export function AllDelegations({ initial, names, renderedAt }: { initial: GrantPage; names: AgentNames; renderedAt: number }) {
  const id = useId();
  // The cursors of the pages before this one, so "Newer" can step back.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const q = useQuery({
    queryKey: ["delegations", "all", cursor ?? "", renderedAt],
    queryFn: () => apiGet<GrantPage>(`/api/v1/delegations?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    initialData: cursor ? undefined : initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby={`${id}-t`} className="space-y-3">
      <div>
        <h2 id={`${id}-t`} className="text-lg font-semibold">
          Everyone&apos;s delegations
        </h2>
        <p className="text-sm text-muted">As an admin you see every person&apos;s grants and may revoke any of them.</p>
      </div>
      {q.error ? <ListFailed what="everyone's delegations" error={q.error} stale={q.data !== undefined} retry={() => void q.refetch()} /> : null}
      {q.isPending ? <ListLoading label="Loading everyone's delegations…" /> : null}
      {q.data && q.data.delegations.length === 0 ? <EmptyState title="Nobody has let an agent act for them yet." /> : null}
      {q.data && q.data.delegations.length > 0 ? (
        <GrantsTable grants={q.data.delegations} names={names} showPerson caption="Everyone's delegations" canRevoke />
      ) : null}
      <nav aria-label="Pages of everyone's delegations" className="flex gap-2">
        {cursors.length > 0 ? (
          <button type="button" className={btnSecondary} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
        ) : null}
        {q.data?.next_cursor ? (
          <button type="button" className={btnSecondary} onClick={() => setCursors((c) => (q.data?.next_cursor ? [...c, q.data.next_cursor] : c))}>
            Older
          </button>
        ) : null}
      </nav>
    </section>
  );
}
