"use client";

import { Badge } from "@/components/ui/page-header";
import { td, th } from "@/components/ui/styles";
import { utc, type PolicySetView } from "./types";

/** Every policy set: where it applies, how (enforce or shadow), which version, who changed it last, its policies. */
export function SetsTable({ sets, selected, onOpen }: { sets: PolicySetView[]; selected: string | null; onOpen: (name: string) => void }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-surface">
      <table className="w-full min-w-[52rem] text-sm">
        <caption className="sr-only">Policy sets</caption>
        <thead className="border-b border-line">
          <tr>
            <th className={th} scope="col">Name</th>
            <th className={th} scope="col">Audience</th>
            <th className={th} scope="col">Mode</th>
            <th className={th} scope="col">Version</th>
            <th className={th} scope="col">Source</th>
            <th className={th} scope="col">Changed</th>
            <th className={th} scope="col">Policies</th>
          </tr>
        </thead>
        <tbody>
          {sets.map((s) => (
            <tr key={s.name} className={`border-b border-line last:border-0 ${s.name === selected ? "bg-surface-2" : ""}`} data-testid="policy-set-row" data-set={s.name}>
              <td className={td}>
                <button type="button" className="whitespace-nowrap text-left font-medium text-accent underline-offset-2 hover:underline" aria-pressed={s.name === selected} onClick={() => onOpen(s.name)}>
                  {s.name}
                </button>
              </td>
              <td className={`${td} break-all font-mono text-xs`}>{s.audience}</td>
              <td className={td}>
                <Badge value={s.mode} />
              </td>
              <td className={`${td} tabular-nums`} data-testid="policy-set-version">
                {s.version}
              </td>
              <td className={td}>{s.source === "directory" ? <span title="Managed in POLICY_DIR: read-only here">directory</span> : "console"}</td>
              <td className={`${td} text-xs`}>
                <span className="block break-all">{s.updated_by}</span>
                <span className="block whitespace-nowrap font-mono text-muted">{utc(s.updated_at)}</span>
              </td>
              <td className={`${td} font-mono text-xs`}>{s.policies.length > 0 ? s.policies.join(" ") : <span className="font-sans text-muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
