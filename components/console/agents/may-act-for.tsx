"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { EmptyState } from "@/components/ui/page-header";
import { link, td, th } from "@/components/ui/styles";
import type { GrantView } from "@/lib/identity/delegations/schemas";
import { apiGet } from "../api";

const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** The people whose live grants let this agent act for them (GET /api/v1/delegations?agent_id=&active=true). */
export function MayActFor({ agentId, initial, renderedAt }: { agentId: string; initial: GrantView[]; renderedAt: number }) {
  const q = useQuery({
    queryKey: ["delegations", "agent", agentId, renderedAt],
    queryFn: async () => (await apiGet<{ delegations: GrantView[] }>(`/api/v1/delegations?agent_id=${agentId}&active=true&limit=200`)).delegations,
    initialData: initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="may-act-for" className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="may-act-for" className="text-lg font-semibold">
          May act for
        </h2>
        <Link className={link} href="/delegations">
          Delegations
        </Link>
      </div>
      {q.error ? (
        <p role="alert" className="rounded-md border border-warn p-3 text-sm text-warn">
          Could not refresh (showing what was last read): {q.error.message}
        </p>
      ) : null}
      {q.data.length === 0 ? (
        <EmptyState title="Nobody has let this agent act for them.">A person grants that on the Delegations page; the agent then exchanges their token for a delegated one.</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-line bg-surface">
          <table className="w-full min-w-[32rem] text-sm">
            <caption className="sr-only">People this agent may act for</caption>
            <thead className="border-b border-line">
              <tr>
                <th className={th} scope="col">Person</th>
                <th className={th} scope="col">Scopes</th>
                <th className={th} scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((g) => (
                <tr key={g.id} className="border-b border-line last:border-0" data-testid="may-act-for-row">
                  <td className={`${td} break-all`}>{g.person.label}</td>
                  <td className={`${td} font-mono text-xs`}>{g.scopes.join(" ")}</td>
                  <td className={`${td} whitespace-nowrap font-mono text-xs`}>{utc(g.expires_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
