"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/page-header";
import { td, th } from "@/components/ui/styles";
import { apiGet } from "../api";
import { ListFailed, ListLoading } from "../delegations/list-states";
import { RollbackVersion } from "./rollback-version";
import { setUrl, utc, type PolicySetDetail, type PolicySetView } from "./types";
import { VersionDiff } from "./version-diff";

/** A set's history (who, when, why), a diff between any two versions, and rollback for admins. */
export function VersionsPanel({ name, canRollback, onRolledBack }: { name: string; canRollback: boolean; onRolledBack: (set: PolicySetView) => void }) {
  const q = useQuery({ queryKey: ["policies", "set", name], queryFn: () => apiGet<PolicySetDetail>(setUrl(name)) });
  // null: the default pair, the newest version against the one before it.
  const [pair, setPair] = useState<{ from: number; to: number } | null>(null);
  if (q.isPending) return <ListLoading label="Loading the versions…" />;
  if (q.error && !q.data) return <ListFailed what="the versions" error={q.error} stale={false} retry={() => void q.refetch()} />;
  const set = q.data;
  if (!set) return null;
  const newest = set.versions[0]?.version ?? set.version;
  const from = pair?.from ?? set.versions[1]?.version ?? newest;
  const to = pair?.to ?? newest;
  return (
    <div className="space-y-4">
      <div className="overflow-x-auto rounded-lg border border-line bg-surface">
        <table className="w-full min-w-[40rem] text-sm">
          <caption className="sr-only">Versions of {name}</caption>
          <thead className="border-b border-line">
            <tr>
              <th className={th} scope="col">Version</th>
              <th className={th} scope="col">Mode</th>
              <th className={th} scope="col">Comment</th>
              <th className={th} scope="col">By</th>
              {canRollback ? (
                <th className={th} scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {set.versions.map((v) => (
              <tr key={v.version} className="border-b border-line last:border-0" data-testid="version-row" data-version={v.version}>
                <td className={`${td} tabular-nums`}>
                  {v.version}
                  {v.version === set.version ? <span className="ml-2 text-xs text-ok" data-testid="current-version">current</span> : null}
                </td>
                <td className={td}>
                  <Badge value={v.mode} />
                </td>
                <td className={`${td} break-words`}>{v.comment}</td>
                <td className={`${td} text-xs`}>
                  <span className="block break-all">{v.author}</span>
                  <span className="block whitespace-nowrap font-mono text-muted">{utc(v.created_at)}</span>
                </td>
                {canRollback ? (
                  <td className={`${td} whitespace-nowrap`}>
                    {v.version !== set.version ? (
                      <RollbackVersion
                        name={name}
                        version={v.version}
                        current={set.version}
                        onDone={(next) => {
                          setPair(null);
                          onRolledBack(next);
                        }}
                      />
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {set.versions.length > 0 ? <VersionDiff name={name} versions={set.versions} from={from} to={to} onPick={(f, t) => setPair({ from: f, to: t })} /> : null}
    </div>
  );
}
