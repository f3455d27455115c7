/**
 * Paths anyone may reach without a console session, each with the reason. Everything else
 * under /api/ authenticates itself through the route table (bearer token or session, and
 * answers 401 rather than redirecting); every other path is a console page and needs a
 * signed-in user with a role.
 */
export const PUBLIC_PATHS: ReadonlyArray<{ path: string; prefix?: boolean; why: string }> = [
  { path: "/api/health", why: "liveness probes carry no credentials" },
  { path: "/api/ready", why: "readiness probes carry no credentials" },
  { path: "/health", why: "the seed runbook's liveness path; probes carry no credentials" },
  { path: "/.well-known/", prefix: true, why: "issuer discovery and JWKS are public by design" },
  { path: "/api/v1/token", why: "agents authenticate there with their client credentials" },
  { path: "/api/auth/", prefix: true, why: "the sign-in flow itself; /api/auth/validate checks bearer tokens" },
  { path: "/metrics", why: "Prometheus scrapes it; METRICS_TOKEN guards it when set" },
  { path: "/api/alert", why: "Alertmanager's webhook carries its own secret" },
  { path: "/alert", why: "the seed guide's webhook path: Alertmanager's webhook carries its own secret" },
  { path: "/ack", why: "the seed guide's ack path authenticates itself in the route table (bearer token or session), like /api/ack" },
  { path: "/api/autoheal/status", why: "autoheal switches, heartbeat and cooldowns are public by design (no labels)" },
  { path: "/signin", why: "where unauthenticated people are sent" },
  { path: "/authorize/error", why: "a refused authorization request is explained to whoever was sent there, signed in or not" },
  { path: "/signed-out", why: "the landing page after sign-out" },
  { path: "/auth/", prefix: true, why: "sign-in refusal and error pages" },
  { path: "/robots.txt", why: "tells crawlers to stay out" },
];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.some((p) => (p.prefix ? pathname.startsWith(p.path) : pathname === p.path));
}
