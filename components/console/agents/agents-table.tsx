"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { AgentView } from "@/lib/identity/agents/schemas";
import { Badge, EmptyState } from "@/components/ui/page-header";
import { link, td, th } from "@/components/ui/styles";
import { apiGet } from "../api";

type Params = { search?: string; status?: string; cursor?: string };
type Page = { agents: AgentView[]; next_cursor: string | null };

const qs = (p: Params) => {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v) sp.set(k, v);
  return sp.toString();
};

export function AgentsTable({ params, initial, renderedAt }: { params: Params; initial: Page; renderedAt: number }) {
  const key = qs(params);
  const { data } = useQuery({
    queryKey: ["agents", key, renderedAt],
    queryFn: () => apiGet<Page>(`/api/v1/agents?${key}`),
    initialData: initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 60_000,
  });
  if (data.agents.length === 0) {
    return (
      <EmptyState title={params.search || params.status ? "No agents match this filter." : "No agents yet."}>
        {params.search || params.status ? (
          <Link className={link} href="/agents">
            Clear the filter
          </Link>
        ) : (
          "Register one to give it credentials and tokens."
        )}
      </EmptyState>
    );
  }
  return (
    <>
      <div className="overflow-x-auto rounded-lg border border-line bg-surface">
        <table className="w-full min-w-[40rem] text-sm">
          <thead className="border-b border-line">
            <tr>
              <th className={th} scope="col">Name</th>
              <th className={th} scope="col">Status</th>
              <th className={th} scope="col">Owner</th>
              <th className={th} scope="col">Environment</th>
              <th className={th} scope="col">Last seen (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {data.agents.map((a) => (
              <tr key={a.id} className="border-b border-line last:border-0">
                <td className={td}>
                  <Link className={`${link} font-medium`} href={`/agents/${a.id}`}>
                    {a.name}
                  </Link>
                  <span className="block text-xs text-muted">{a.email}</span>
                </td>
                <td className={td}>
                  <Badge value={a.status} />
                </td>
                <td className={td}>{a.owner}</td>
                <td className={td}>{a.deployment_env}</td>
                <td className={`${td} font-mono text-xs`}>{a.last_seen_at ? a.last_seen_at.slice(0, 19).replace("T", " ") : "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pages" className="mt-3 flex gap-3 text-sm">
        {params.cursor ? (
          <Link className={link} href={`/agents?${qs({ ...params, cursor: undefined })}`}>
            Newest
          </Link>
        ) : null}
        {data.next_cursor ? (
          <Link className={link} href={`/agents?${qs({ ...params, cursor: data.next_cursor })}`}>
            Next page (older)
          </Link>
        ) : null}
      </nav>
    </>
  );
}
