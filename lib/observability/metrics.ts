import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { processSingleton } from "@/lib/process/singleton";

type Metrics = ReturnType<typeof createMetrics>;

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which promtool rejects (the suffix is for
  // counters); the per-type gauges without the suffix carry the same information.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }
  return {
    registry,
    httpRequests: new Counter({
      name: "vigil_http_requests_total",
      help: "HTTP requests by method, normalised route and status.",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "vigil_http_request_duration_seconds",
      help: "HTTP request duration by method and normalised route.",
      labelNames: ["method", "route"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: "vigil_tokens_issued_total",
      help: "Access tokens issued, once per token, by grant type (client_credentials, token_exchange, authorization_code, refresh_token).",
      labelNames: ["grant_type"] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "vigil_auth_failures_total",
      help: "Failed client or bearer authentications by endpoint kind and reason.",
      labelNames: ["kind", "reason"] as const,
      registers: [registry],
    }),
    popValidations: new Counter({
      name: "vigil_pop_validations_total",
      help: "DPoP proofs checked (RFC 9449) by result (valid, invalid, replayed) and point (token, api, gateway); a missing proof where one is required counts as invalid.",
      labelNames: ["result", "point"] as const,
      registers: [registry],
    }),
    dbQueryDuration: new Histogram({
      name: "vigil_db_query_duration_seconds",
      help: "Duration of database operations by operation name.",
      labelNames: ["operation"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    sseSubscribers: new Gauge({
      name: "vigil_sse_subscribers",
      help: "Open live-stream (GET /api/v1/events) subscribers on this instance.",
      registers: [registry],
    }),
    sseOverflows: new Counter({
      name: "vigil_sse_overflows_total",
      help: "Live streams closed with a resume event because the client read too slowly.",
      registers: [registry],
    }),
    sseLapsed: new Counter({
      name: "vigil_sse_lapsed_total",
      help: "Live streams ended because their caller's authority ended: expired, or withdrawn (token revoked, agent suspended, signed out).",
      labelNames: ["cause"] as const,
      registers: [registry],
    }),
    auditAppend: new Histogram({
      name: "vigil_audit_append_seconds",
      help: "Time to append one change's audit events inside its transaction (tail lock included).",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    checkpointLag: new Gauge({
      name: "vigil_audit_checkpoint_lag_seconds",
      help: "Age of the oldest audit event no signed checkpoint covers yet (0 when all are sealed; read at scrape time).",
      registers: [registry],
    }),
    checkpointFailures: new Counter({
      name: "vigil_audit_checkpoint_failures_total",
      help: "Checkpoint sealing runs that failed on this instance (the next run retries).",
      registers: [registry],
    }),
    signingKeyAge: new Gauge({
      name: "vigil_signing_key_age_seconds",
      help: "Seconds since the key signing tokens now became active (rotation overdue when it grows past the rotation period).",
      registers: [registry],
    }),
    agentsRegistered: new Gauge({
      name: "vigil_agents_registered",
      help: "Registered agents by status (read from the database at scrape time).",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    ...autohealMetrics(registry),
  };
}

/** Autoheal's series (issue 4); the alert rules in deploy/prometheus/vigil-alerts.yml read them. */
function autohealMetrics(registry: Registry) {
  return {
    autohealEnabled: new Gauge({
      name: "autoheal_enabled",
      help: "1 when autoheal acts on alerts (shared switch, read from the database at scrape time).",
      registers: [registry],
    }),
    autohealDryRun: new Gauge({
      name: "autoheal_dry_run",
      help: "1 when autoheal only records what it would do (canary).",
      registers: [registry],
    }),
    autohealActions: new Counter({
      name: "autoheal_actions_total",
      help: "Remediation jobs finished by this instance, by alertname and result (ok, fail, dry_run, skipped_*).",
      labelNames: ["alertname", "result"] as const,
      registers: [registry],
    }),
    autohealCooldownRemaining: new Gauge({
      name: "autoheal_cooldown_remaining_seconds",
      help: "Longest cooldown still running for an alertname (read from the database at scrape time).",
      labelNames: ["alertname"] as const,
      registers: [registry],
    }),
    autohealEvents: new Counter({
      name: "autoheal_event_total",
      help: "Autoheal audit events committed by this instance, by kind.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    autohealAuditWrite: new Histogram({
      name: "autoheal_audit_write_seconds",
      help: "Time to append autoheal audit events, from the insert (tail lock included) to its return.",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    }),
    authorizationDecisions: new Counter({
      name: "vigil_authorization_decisions_total",
      help: "Authorization decisions by point (api, gateway, issuance, exchange; runtime policy: policy_call, policy_issue, policy_exchange, policy_authorize), decision (allow, deny; shadow_deny: a shadow-mode policy would have refused) and caller type (person, agent, delegated, system).",
      labelNames: ["point", "decision", "caller_type"] as const,
      registers: [registry],
    }),
    policyDecisionSeconds: new Histogram({
      name: "vigil_policy_decision_seconds",
      help: "Time of one runtime policy decision (entities built and the engine asked), by point.",
      labelNames: ["point"] as const,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01],
      registers: [registry],
    }),
    autohealHeartbeat: new Gauge({
      name: "autoheal_heartbeat_timestamp_seconds",
      help: "Unix time of this instance's last runner heartbeat.",
      registers: [registry],
    }),
  };
}

/** The dedicated registry, shared by every copy of this module in the process. */
export function getMetrics(): Metrics {
  return processSingleton("metrics", createMetrics);
}

type Child = { inc: (n?: number) => void };
type HistogramChild = { observe: (v: number) => void };

/**
 * Label children, made once per label set: prom-client hashes the label object on every
 * call otherwise, and the callers below run on every request of the hot paths.
 */
function cachedChildren<V>(make: (key: string) => V): (key: string) => V {
  const children = new Map<string, V>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}

const requestChildren = cachedChildren((key) => {
  const [method = "", route = "", status = ""] = key.split(" ");
  const m = getMetrics();
  return { count: m.httpRequests.labels({ method, route, status }), duration: m.httpDuration.labels({ method, route }) } as { count: Child; duration: HistogramChild };
});

/** One request into the HTTP metrics. */
export function recordRequest(method: string, route: string, status: number, seconds: number): void {
  const child = requestChildren(`${method} ${route} ${status}`);
  child.count.inc();
  child.duration.observe(seconds);
}

export type IssuingGrant = "client_credentials" | "token_exchange" | "authorization_code" | "refresh_token";
const issuedChildren = cachedChildren((grantType): Child => getMetrics().tokensIssued.labels({ grant_type: grantType }));

/** One token issued, by grant type (vigil_tokens_issued_total). */
export function countTokenIssued(grantType: IssuingGrant): void {
  issuedChildren(grantType).inc();
}

// Reasons come from Vigil's own refusals, but a few carry outside text (an identity
// provider's discovery error): a label takes only short plain phrases, anything else is
// "other", so no caller can grow the series without bound.
const PLAIN_REASON = /^[a-z][a-z' ()+_-]{0,47}$/i;
export const boundedReason = (reason: string): string => (PLAIN_REASON.test(reason) ? reason : "other");

const decisionChildren = cachedChildren((key): Child => {
  const [point = "", decision = "", caller = ""] = key.split(" ");
  return getMetrics().authorizationDecisions.labels({ point, decision, caller_type: caller });
});

/** One authorization decision into vigil_authorization_decisions_total. */
export type DecisionPoint = "api" | "gateway" | "issuance" | "exchange" | "policy_call" | "policy_issue" | "policy_exchange" | "policy_authorize";
export function countDecision(point: DecisionPoint, decision: "allow" | "deny" | "shadow_deny", caller: string): void {
  decisionChildren(`${point} ${decision} ${caller}`).inc();
}

/** Times an async database operation into vigil_db_query_duration_seconds. */
export async function timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
  const end = getMetrics().dbQueryDuration.startTimer({ operation });
  try {
    return await work();
  } finally {
    end();
  }
}
