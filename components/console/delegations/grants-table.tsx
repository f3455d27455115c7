"use client";

import Link from "next/link";
import { Badge } from "@/components/ui/page-header";
import { link, td, th } from "@/components/ui/styles";
import { RevokeGrant } from "./revoke-grant";
import { grantStatus, utc, type AgentNames, type GrantView } from "./types";

/**
 * Grants as rows: who (when `showPerson`), which agent, what it may do and where, until when,
 * how deep it may be passed on, and whether it still holds. Active rows can be revoked.
 */
export function GrantsTable({ grants, names, showPerson, caption, canRevoke }: { grants: GrantView[]; names: AgentNames; showPerson: boolean; caption: string; canRevoke: boolean }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-surface">
      <table className="w-full min-w-[44rem] text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-line">
          <tr>
            {showPerson ? <th className={th} scope="col">Person</th> : null}
            <th className={th} scope="col">Agent</th>
            <th className={th} scope="col">Scopes</th>
            <th className={th} scope="col">Resources</th>
            <th className={th} scope="col">Expires</th>
            <th className={th} scope="col">Depth</th>
            <th className={th} scope="col">Status</th>
            {canRevoke ? (
              <th className={th} scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {grants.map((g) => {
            const agentName = names[g.agent_id] ?? g.agent_id;
            const status = grantStatus(g);
            return (
              <tr key={g.id} className="border-b border-line last:border-0" data-testid="grant-row" data-grant-id={g.id}>
                {showPerson ? <td className={`${td} break-all`}>{g.person.label}</td> : null}
                <td className={td}>
                  <Link className={`${link} break-all font-medium`} href={`/agents/${g.agent_id}`}>
                    {agentName}
                  </Link>
                </td>
                <td className={`${td} font-mono text-xs`}>{g.scopes.join(" ")}</td>
                <td className={`${td} break-all font-mono text-xs`}>{g.resources.length > 0 ? g.resources.join(" ") : <span className="font-sans text-muted">any it is registered for</span>}</td>
                <td className={`${td} whitespace-nowrap font-mono text-xs`}>
                  {utc(g.expires_at)}
                  {g.revoked_at ? <span className="block text-muted">revoked {utc(g.revoked_at)}</span> : null}
                </td>
                <td className={`${td} tabular-nums`}>{g.max_depth}</td>
                <td className={td}>
                  <Badge value={status} />
                </td>
                {canRevoke ? (
                  <td className={`${td} whitespace-nowrap`}>{status === "active" ? <RevokeGrant grant={g} agentName={agentName} forWhom={showPerson ? `${g.person.label}'s` : "your"} /> : null}</td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
