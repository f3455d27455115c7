"use client";

import Link from "next/link";
import { Fragment, useState } from "react";
import { Badge, EmptyState } from "@/components/ui/page-header";
import { link, td, th } from "@/components/ui/styles";
import type { AuditEventView } from "@/lib/audit/list";

/** Events with one expandable row each: the whole event as JSON. */
export function EventsTable({ events, empty, rowTestId = "audit-row", caption }: { events: AuditEventView[]; empty: string; rowTestId?: string; caption?: string }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  if (events.length === 0) return <EmptyState title={empty} />;
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-surface">
      <table className="w-full min-w-[44rem] text-sm">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="border-b border-line">
          <tr>
            <th className={th} scope="col">
              <span className="sr-only">Details</span>
            </th>
            <th className={th} scope="col">Time (UTC)</th>
            <th className={th} scope="col">Kind</th>
            <th className={th} scope="col">Outcome</th>
            <th className={th} scope="col">Actor</th>
            <th className={th} scope="col">Agent</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => {
            const expanded = open.has(e.id);
            return (
              <Fragment key={e.id}>
                <tr className="border-b border-line last:border-0" data-testid={rowTestId}>
                  <td className={td}>
                    <button
                      type="button"
                      className="rounded px-1 font-mono text-muted hover:text-fg"
                      aria-expanded={expanded}
                      aria-controls={`event-${e.id}`}
                      aria-label={`${expanded ? "Hide" : "Show"} event ${e.id} as JSON`}
                      onClick={() => toggle(e.id)}
                    >
                      {expanded ? "−" : "+"}
                    </button>
                  </td>
                  <td className={`${td} whitespace-nowrap font-mono text-xs`}>{e.ts.replace("T", " ").replace("Z", "")}</td>
                  <td className={`${td} font-mono`}>{e.kind}</td>
                  <td className={td}>
                    <Badge value={e.outcome} />
                  </td>
                  <td className={`${td} max-w-48 truncate font-mono text-xs`} title={e.actor}>
                    {e.actor}
                  </td>
                  <td className={`${td} font-mono text-xs`}>
                    {e.agent_id ? (
                      <Link className={link} href={`/agents/${e.agent_id}`}>
                        {e.agent_id.slice(0, 8)}…
                      </Link>
                    ) : (
                      <span className="text-muted">—</span>
                    )}
                  </td>
                </tr>
                {expanded ? (
                  <tr id={`event-${e.id}`} className="border-b border-line bg-surface-2">
                    <td colSpan={6} className="p-3">
                      <pre className="overflow-x-auto text-xs">{JSON.stringify(e, null, 2)}</pre>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
