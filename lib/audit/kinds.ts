/**
 * Every kind of event the log holds, with what it records. The list is closed: an event of
 * any other kind is refused on write (a programming error, not a request's), so queries,
 * alerts and the console can rely on it. New features add their kinds here.
 *
 * Two spellings, on purpose: Vigil's own kinds are `area.past_tense`; autoheal's are the
 * snake_case names of its alert contract (issue 4), which Prometheus rules, runbooks and
 * `autoheal_event_total{kind}` already match on, so they stay exactly as they are.
 */
export const EVENT_KINDS = {
  "agent.created": "an agent was registered",
  "maintenance.started": "maintenance mode on: agent-facing endpoints answer 503 (metadata: reason, source admin|environment)",
  "maintenance.ended": "maintenance mode off",
  "agent.updated": "an agent's fields changed (metadata.changes: from, to)",
  "agent.suspended": "an agent may get no new tokens until reactivated",
  "agent.reactivated": "a suspended agent is active again",
  "agent.decommissioned": "an agent was retired for good, its credentials revoked",
  "credential.generated": "a client credential was created (the secret shown once)",
  "credential.rotated": "a credential got a new secret (the old one valid for the grace period)",
  "credential.revoked": "a credential can no longer authenticate",
  "credential.rehashed": "a client secret that matched under a previous AUTH_SECRET (or an untagged hash) was hashed again under the current one (metadata: credential_id, which, from_version, to_version; never the secret)",
  "token.issued": "an access token was issued",
  "token.introspected": "a client asked whether a token is active",
  "token.revoked": "an access token was revoked before its expiry",
  "session.ended": "a person signed out of the console: the session is refused on every instance from then on (metadata: session id, until)",
  "auth.failed": "a caller was refused: client authentication, a bearer token at the gateway",
  "pop.refused": "a DPoP proof was refused: invalid, replayed, without the nonce, or missing where required (metadata: point, error, reason; never the proof)",
  "token.exchanged": "an agent exchanged a person's token for a delegated one (RFC 8693; metadata: person, chain, scopes, dropped)",
  "delegation.granted": "a person let an agent act for them (scopes, resources, expiry, depth)",
  "delegation.revoked": "a delegation grant ended; every token issued under it is refused",
  "delegation.denied": "a token exchange was refused (metadata.reason)",
  "authorization.requested": "an agent sent a person to the authorization endpoint (refusals: outcome denied, metadata.reason)",
  "consent.granted": "a person approved an agent's request: a grant made or extended, a code issued",
  "consent.denied": "a person declined an agent's request (access_denied)",
  "code.redeemed": "an authorization code was exchanged for tokens (a replay: outcome denied, and what it issued revoked)",
  "refresh.rotated": "a refresh token was used and replaced by a new one (a new access token issued)",
  "refresh.reuse_detected": "a refresh token was presented again after its rotation: its whole family was revoked",
  "policy.changed": "a runtime policy set was created, changed or rolled back (metadata: name, version, audience, mode, comment, diff)",
  "policy.denied": "a runtime policy refused a request (metadata: point, action, principal, resource, the deciding policy ids; shadow: what enforce would have refused)",
  "policy.allowed": "a runtime policy allowed a request, recorded for a sample of decisions (POLICY_ALLOW_SAMPLE_RATE, 0 by default; metadata as policy.denied)",
  "key.rotated": "a new signing key was published (it signs after its delay)",
  "key.resealed": "a signing key's private half, sealed under a previous AUTH_SECRET (or untagged), was sealed again under the current one (metadata: kid, from_version, to_version)",
  "audit.hold_created": "a legal hold keeps matching events from retention",
  "audit.hold_released": "a legal hold was released",
  "audit.retention": "retention removed events older than the retention period",
  // autoheal: the alert contract's names
  alert_received: "Alertmanager sent a firing alert",
  alert_resolved: "Alertmanager sent an alert's resolution",
  action_dry_run: "a rule's action was planned and shown, not sent (dry run)",
  action_ok: "a remediation action succeeded",
  action_fail: "a remediation action failed",
  action_skipped_cooldown: "an action was skipped: cooldown or blast radius",
  action_skipped_disabled: "an action was skipped: autoheal is switched off",
  ack: "an operator silenced an alert in Alertmanager",
  ack_failed: "Alertmanager refused or could not be reached for a silence",
  "autoheal.silence.expired": "an operator ended a silence Vigil had created (outcome failure: Alertmanager refused or was down; denied: the silence was not Vigil's)",
  autoheal_toggled: "an admin switched autoheal or its dry run",
  heartbeat: "the job runner's proof of life",
} as const satisfies Record<string, string>;

export type EventKind = keyof typeof EVENT_KINDS;

/** Autoheal's kinds: counted in autoheal_event_total, their writes timed in autoheal_audit_write_seconds. */
export const AUTOHEAL_KINDS: ReadonlySet<EventKind> = new Set<EventKind>([
  "alert_received",
  "alert_resolved",
  "action_dry_run",
  "action_ok",
  "action_fail",
  "action_skipped_cooldown",
  "action_skipped_disabled",
  "ack",
  "ack_failed",
  "autoheal.silence.expired",
  "autoheal_toggled",
  "heartbeat",
]);

export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_KINDS, kind);
}
