import { sql, type SQL } from "drizzle-orm";
import type { NewAuditEvent } from "@/drizzle/schema";
import { AUDIT_CHANNEL, AUDIT_TAIL_LOCK } from "./tail";

export type CountIncrement = { agentId: string; month: string; n: number };

/**
 * One statement for a whole batch: the audit rows, the monthly counters and the
 * last-seen/last-used stamps, as data-modifying CTEs. A single statement is a single
 * transaction and a single round trip. The batch travels as JSON parameters unpacked by
 * jsonb_to_recordset, so the SQL text never changes with the batch size: the driver
 * prepares it once per connection instead of describing a new statement for every size.
 *
 * Order matters and is forced by data dependencies: the counter and stamp updates finish
 * first (`tail` counts their rows), then the tail lock is taken (tail.ts), then the events
 * get their ids, then one NOTIFY carries the highest id. Taking row locks before the tail
 * lock, as every audited transaction does, means no two of them can deadlock on it.
 */
export function batchStatement(rows: NewAuditEvent[], increments: CountIncrement[], agentIds: string[], credentialIds: string[]): SQL {
  const events = JSON.stringify(
    rows.map((r) => ({
      kind: r.kind,
      actor: r.actor,
      actor_chain: r.actorChain ?? null,
      outcome: r.outcome,
      agent_id: r.agentId ?? null,
      client_id: r.clientId ?? null,
      ip: r.ip ?? null,
      user_agent: r.userAgent ?? null,
      request_id: r.requestId ?? null,
      alertname: r.alertname ?? null,
      rule: r.rule ?? null,
      labels: r.labels ?? null,
      metadata: r.metadata ?? {},
    })),
  );
  // Sorted by the caller, so concurrent batches lock counter rows in the same order.
  const counts = JSON.stringify(increments.map((i) => ({ agent_id: i.agentId, month: i.month, n: i.n })));
  return sql`with cnt as (
    insert into token_monthly_counts (agent_id, month, count)
    select agent_id, month, n from jsonb_to_recordset(${counts}::jsonb) as c(agent_id uuid, month text, n int)
    on conflict (agent_id, month) do update set count = token_monthly_counts.count + excluded.count
    returning agent_id, month, count
  ), seen as (
    update agents set last_seen_at = now()
    where id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(agentIds)}::jsonb))
      and (last_seen_at is null or last_seen_at < now() - interval '60 seconds')
    returning 1
  ), used as (
    update credentials set last_used_at = now()
    where id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(credentialIds)}::jsonb))
      and (last_used_at is null or last_used_at < now() - interval '60 seconds')
    returning 1
  ), tail as (
    select pg_advisory_xact_lock(${AUDIT_TAIL_LOCK}) as locked
    from (select count(*) from cnt) a, (select count(*) from seen) b, (select count(*) from used) c
  ), ins as (
    insert into audit_events (kind, actor, actor_chain, outcome, agent_id, client_id, ip, user_agent, request_id, alertname, rule, labels, metadata)
    select kind, actor, actor_chain, outcome, agent_id, client_id, ip, user_agent, request_id, alertname, rule, labels, coalesce(metadata, '{}'::jsonb)
    from tail, jsonb_to_recordset(${events}::jsonb) as e(kind text, actor text, actor_chain text[], outcome text, agent_id uuid, client_id text, ip inet,
      user_agent text, request_id text, alertname text, rule text, labels jsonb, metadata jsonb)
    returning id
  ), told as (
    select min(id) as first_id, max(id) as last_id, pg_notify(${AUDIT_CHANNEL}, max(id)::text) as sent from ins
  )
  select told.first_id, told.last_id, cnt.agent_id, cnt.month, cnt.count from told left join cnt on true`;
}
