import { asc, sql } from "drizzle-orm";
import { auditEvents, type NewAuditEvent } from "@/drizzle/audit-events";
import { toView } from "@/lib/audit/list";
import type { Db } from "@/lib/db/types";

/** Test data for the query suites: varied rows that poke at NULLs, JSON shapes, IPs and time edges. */

export const AGENT_A = "4f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
export const AGENT_B = "9d8e7f6a-5b4c-4d3e-9f2a-1b0c9d8e7f6a";

type Sample = Omit<NewAuditEvent, "kind" | "actor" | "outcome" | "ts"> & {
  kind?: string;
  actor?: string;
  outcome?: "success" | "failure" | "denied";
  ts: string;
};

export const SAMPLES: Record<string, Sample> = {
  r01: {
    kind: "action_fail",
    actor: "autoheal",
    outcome: "failure",
    alertname: "HighCPU",
    rule: "restart-api",
    labels: { severity: "critical", team: "infra" },
    metadata: { reason: "exit code 1", attempts: 3 },
    ts: "2026-10-30T12:00:00Z",
    ip: "10.0.0.5",
    agentId: AGENT_A,
  },
  r02: {
    kind: "action_ok",
    alertname: "TcpEndpointDownFast",
    rule: "bounce-lb",
    labels: { severity: "warning" },
    metadata: { duration_ms: 1250 },
    ts: "2026-11-01T00:00:00Z",
    ip: "10.1.2.3",
  },
  r03: { kind: "action_ok", alertname: "HighCPU", labels: { severity: "critical" }, ts: "2026-11-01T00:00:00.001Z" },
  r04: {
    kind: "token.issued",
    actor: `agent:${AGENT_A}`,
    agentId: AGENT_A,
    clientId: "cli-1",
    metadata: { aud: "https://api.example.com", scopes: ["svc:read", "svc:write"] },
    ip: "192.168.1.10",
    ts: "2026-11-02T00:00:00Z",
  },
  r05: {
    kind: "token.denied",
    outcome: "denied",
    agentId: AGENT_B,
    metadata: { reason: "scope not allowed", request: { aud: "svc", depth: { n: 7 } } },
    ip: "192.168.1.11",
    ts: "2026-11-02T10:00:00Z",
  },
  r06: { kind: "token.revoked", ts: "2026-11-03T00:00:00Z" },
  r07: { kind: "agent.created", actor: "admin@example.com", requestId: "req-100%_done", metadata: { note: "50% off_sale" }, ts: "2026-11-04T00:00:00Z" },
  r08: { kind: "agent.updated", requestId: "req-100x", metadata: { note: "50 percent offXsale" }, ts: "2026-11-04T01:00:00Z" },
  r09: { kind: "login", outcome: "failure", ip: "2001:db8::1", metadata: { reason: "wrong credentials" }, ts: "2026-11-04T02:00:00Z" },
  r10: { kind: "login", ip: "2001:db8:1::42", ts: "2026-11-04T03:00:00Z" },
  r11: { kind: "login", ip: "::ffff:10.0.0.7", ts: "2026-11-04T04:00:00Z" },
  r12: { kind: "probe", ip: "10.0.0.5", ts: "2026-11-04T05:00:00Z" },
  r13: { kind: "action_fail", outcome: "failure", metadata: { attempts: 10 }, ts: "2026-11-04T06:00:00Z" },
  r14: { kind: "action_fail", outcome: "failure", metadata: { attempts: "12" }, ts: "2026-11-04T07:00:00Z" },
  r15: { kind: "action_fail", outcome: "failure", metadata: { attempts: 2.5 }, ts: "2026-11-04T08:00:00Z" },
  r16: { kind: "metrics", metadata: { big: 1e21, tiny: 1.5e-7 }, ts: "2026-11-04T09:00:00Z" },
  r17: { kind: "metrics", metadata: { list: [1, "two", { three: 3 }] }, ts: "2026-11-04T10:00:00Z" },
  r18: { kind: "metrics", metadata: { flag: true, nothing: null }, ts: "2026-11-04T11:00:00Z" },
  r19: { kind: "alert", alertname: "DiskFull", labels: { severity: "CRITICAL" }, ts: "2026-11-04T12:00:00Z" },
  r20: { kind: "alert", actor: "Ωmega", alertname: "ÉtatCritique", metadata: { msg: "naïve ΣΑΣ" }, ts: "2026-11-04T13:00:00Z" },
  r21: { kind: "alert", alertname: "a%b", rule: "a_b", ts: "2026-11-04T14:00:00Z" },
  r22: { kind: "alert", alertname: "axb", rule: "axb", ts: "2026-11-04T15:00:00Z" },
  r23: { kind: "token.issued", clientId: "svc-\\path", ts: "2026-11-04T16:00:00Z" },
  r24: { kind: "action_fail", outcome: "denied", alertname: "HighCPU", ts: "2026-11-04T17:00:00Z" },
  r25: { kind: "action_fail", metadata: { reason: "timeout", nested: { reason: "inner", "key with space": 'quote " here' } }, ts: "2026-11-04T18:00:00Z" },
  r26: { kind: "drop", metadata: { sql: "'; drop table audit_events; --" }, ts: "2026-11-04T19:00:00Z" },
  r27: { kind: "old", ts: "2025-12-31T23:59:59.999Z", userAgent: "curl/8" },
  // Re-timed to 00:00:00.0005 below: finer than the view's milliseconds.
  r28: { kind: "micro", ts: "2026-11-01T00:00:00Z" },
  r29: { kind: "deploy", labels: { team: "infra", "app.kubernetes.io/name": "api" }, metadata: { "é": 1, z: 2, aa: 3 }, ts: "2026-11-04T20:00:00Z" },
  r30: { kind: "token.issued", agentId: AGENT_A, ts: "2026-11-05T00:00:00Z", ip: "10.255.255.255" },
};

/** Inserts SAMPLES; returns sample key → id. */
export async function insertSamples(db: Db): Promise<Record<string, number>> {
  const entries = Object.entries(SAMPLES);
  const rows = await db
    .insert(auditEvents)
    .values(
      entries.map(([, s]) => ({
        ...s,
        kind: s.kind ?? "misc",
        actor: s.actor ?? "system",
        outcome: s.outcome ?? "success",
        ts: new Date(s.ts),
      })),
    )
    .returning({ id: auditEvents.id });
  const ids: Record<string, number> = {};
  entries.forEach(([key], i) => {
    const row = rows[i];
    if (row) ids[key] = row.id;
  });
  await db.execute(sql`update ${auditEvents} set ts = '2026-11-01T00:00:00.0005Z' where ${auditEvents.id} = ${ids.r28 ?? -1}`);
  return ids;
}

export async function loadViews(db: Db) {
  const rows = await db.select().from(auditEvents).orderBy(asc(auditEvents.id));
  return rows.map(toView);
}
