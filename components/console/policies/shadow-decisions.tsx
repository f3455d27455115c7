"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { EmptyState } from "@/components/ui/page-header";
import { link, td, th } from "@/components/ui/styles";
import type { AuditEventView } from "@/lib/audit/list";
import { apiGet } from "../api";
import { ListFailed, ListLoading } from "../delegations/list-states";
import { utc } from "./types";

const SHOWN = 25;

/** The audit query for a set's shadow refusals: decided "deny", recorded, not enforced (lib/policy/decide.ts). */
export const shadowQuery = (set: string) => `kind=policy.denied meta.set=${JSON.stringify(set)} meta.enforced=false`;

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/**
 * What shadow mode is for: the requests the set would have refused had it been enforced.
 * Read from the audit log (every refusal is a `policy.denied` event), newest first.
 */
export function ShadowDecisions({ name }: { name: string }) {
  const q = useQuery({
    queryKey: ["policies", "shadow", name],
    queryFn: () => apiGet<{ events: AuditEventView[] }>(`/api/v1/audit?q=${encodeURIComponent(shadowQuery(name))}&n=${SHOWN}`),
    // Decisions keep arriving while a set is in shadow mode.
    refetchInterval: 10_000,
  });
  return (
    <div className="space-y-2">
      {q.error ? <ListFailed what="the shadow decisions" error={q.error} stale={q.data !== undefined} retry={() => void q.refetch()} /> : null}
      {q.isPending ? <ListLoading label="Loading the shadow decisions…" /> : null}
      {q.data && q.data.events.length === 0 ? (
        <EmptyState title="No request would have been refused in shadow mode.">Refusals a shadow-mode version of this set would have made appear here.</EmptyState>
      ) : null}
      {q.data && q.data.events.length > 0 ? (
        <div className="overflow-x-auto rounded-lg border border-line bg-surface">
          <table className="w-full min-w-[48rem] text-sm">
            <caption className="sr-only">Requests {name} would have refused</caption>
            <thead className="border-b border-line">
              <tr>
                <th className={th} scope="col">Time</th>
                <th className={th} scope="col">Principal</th>
                <th className={th} scope="col">Action</th>
                <th className={th} scope="col">Resource</th>
                <th className={th} scope="col">Decided by</th>
                <th className={th} scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {q.data.events.map((e) => (
                <tr key={e.id} className="border-b border-line last:border-0" data-testid="shadow-row">
                  <td className={`${td} whitespace-nowrap font-mono text-xs`}>{utc(e.ts)}</td>
                  <td className={`${td} break-all font-mono text-xs`}>{str(e.metadata.principal)}</td>
                  <td className={td}>{str(e.metadata.action)}</td>
                  <td className={`${td} break-all font-mono text-xs`}>{str(e.metadata.resource)}</td>
                  <td className={`${td} font-mono text-xs`}>{str(e.metadata.reason)}</td>
                  <td className={`${td} tabular-nums`}>{str(e.metadata.version)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="text-sm text-muted">
        The newest {SHOWN}; all of them in the audit log:{" "}
        <Link className={link} href={`/audit?q=${encodeURIComponent(shadowQuery(name))}`}>
          {shadowQuery(name)}
        </Link>
      </p>
    </div>
  );
}
