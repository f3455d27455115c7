import { sql, type SQL } from "drizzle-orm";
import type { NewAuditEvent } from "@/drizzle/schema";
import { AUDIT_CHANNEL, AUDIT_TAIL_LOCK } from "./tail";

/** `n` tokens for an agent this month; with `item`, only if that claim of the batch won. */
export type CountIncrement = { agentId: string; month: string; n: number; item?: number };

/** An audit row; with `item`, written only if that claim of the batch won. */
export type BatchRow = NewAuditEvent & { item?: number };

/**
 * CTEs that stake a batch's claims (claims.ts) ahead of its events. They must define
 * `won(item int)`, the claims that won, and `staked`, a CTE that finishes only after every
 * row the claims lock or write (the tail lock waits for it).
 */
export type Stake = SQL;

const NO_STAKE = sql`won as (select null::int as item where false), staked as (select 1)`;

/**
 * One statement for a whole batch: claims when there are any, the audit rows, the monthly
 * counters and the last-seen/last-used stamps, as data-modifying CTEs. A single statement is
 * a single transaction and a single round trip. The batch travels as JSON parameters
 * unpacked by jsonb_to_recordset, so the SQL text never changes with the batch size: the
 * driver prepares it once per connection instead of describing a new statement for every size.
 *
 * Order matters and is forced by data dependencies: the claims, counter and stamp updates
 * finish first (`tail` counts their rows), then the tail lock is taken (tail.ts), then the
 * events get their ids, then one NOTIFY carries the highest id. Taking row locks before the
 * tail lock, as every audited transaction does, means no two of them can deadlock on it.
 * Counter rows are locked in (agent, month) order, so concurrent batches cannot deadlock on them.
 */
export function batchStatement(rows: BatchRow[], increments: CountIncrement[], agentIds: string[], credentialIds: string[], stake: Stake = NO_STAKE): SQL {
  const events = JSON.stringify(
    rows.map((r) => ({
      item: r.item ?? null,
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
  const counts = JSON.stringify(increments.map((i) => ({ agent_id: i.agentId, month: i.month, n: i.n, item: i.item ?? null })));
  return sql`with ${stake}, cnt as (
    insert into token_monthly_counts (agent_id, month, count)
    select agent_id, month, sum(n)::int from jsonb_to_recordset(${counts}::jsonb) as c(agent_id uuid, month text, n int, item int)
    where c.item is null or c.item in (select item from won)
    group by agent_id, month order by agent_id, month
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
    from (select count(*) from cnt) a, (select count(*) from seen) b, (select count(*) from used) c, (select count(*) from staked) d
  ), ins as (
    insert into audit_events (kind, actor, actor_chain, outcome, agent_id, client_id, ip, user_agent, request_id, alertname, rule, labels, metadata)
    select kind, actor, actor_chain, outcome, agent_id, client_id, ip, user_agent, request_id, alertname, rule, labels, coalesce(metadata, '{}'::jsonb)
    from tail, jsonb_to_recordset(${events}::jsonb) as e(item int, kind text, actor text, actor_chain text[], outcome text, agent_id uuid, client_id text, ip inet,
      user_agent text, request_id text, alertname text, rule text, labels jsonb, metadata jsonb)
    where e.item is null or e.item in (select item from won)
    returning id
  ), told as (
    select min(id) as first_id, max(id) as last_id, case when max(id) is not null then pg_notify(${AUDIT_CHANNEL}, max(id)::text) end as sent from ins
  )
  select told.first_id, told.last_id, cnt.agent_id, cnt.month, cnt.count, (select coalesce(json_agg(item), '[]'::json) from won) as won
  from told left join cnt on true`;
}
