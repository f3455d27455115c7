// A realistic runtime policy set for the benchmarks: route templates of a multi-tenant
// service, a permit per route requiring its scope, token issuance, and forbids of the kinds
// people write (a bot pinned to its tenant, business hours for an owner, an address range,
// a delegation depth, an environment). `size` policies in all; past 50, more pinned bots.

const RESOURCES = ["invoices", "customers", "payments", "refunds", "reports"];

/** 20 templates: list, item, item action and sub-list per resource. */
export const ROUTES = RESOURCES.flatMap((r) => [
  { method: "GET", template: `/tenants/{tenant}/${r}`, scope: `${r}:read` },
  { method: "GET", template: `/tenants/{tenant}/${r}/{id}`, scope: `${r}:read` },
  { method: "POST", template: `/tenants/{tenant}/${r}`, scope: `${r}:write` },
  { method: "GET", template: `/tenants/{tenant}/${r}/{id}/history`, scope: `${r}:read` },
]);

/** Concrete requests for the load, one per template (tenant 42 and a numeric id). */
export const REQUESTS = ROUTES.map((r) => ({ method: r.method, path: r.template.replace("{tenant}", "42").replace("{id}", "1017") }));

/** Every scope a route asks for: the agent under load holds them all. */
export const SCOPES = [...new Set(ROUTES.map((r) => r.scope))];

/** @param {number} size total policies (at least 50) */
export function realisticSet(size) {
  const policies = [
    `@id("tokens") permit (principal is Vigil::Agent, action == Vigil::Action::"IssueToken", resource);`,
    ...ROUTES.map(
      (r, i) => `@id("route-${i}") permit (principal, action == Vigil::Action::"Call", resource is Vigil::Route)
when { resource.method == "${r.method}" && resource.template == "${r.template}" && context.scopes.contains("${r.scope}") };`,
    ),
    `@id("hours-finance") forbid (principal is Vigil::Agent, action == Vigil::Action::"Call", resource)
when { principal.owner == "finance" && resource.method == "POST" } unless { context.hour >= 8 && context.hour < 18 && context.weekday <= 5 };`,
    `@id("internal-only") forbid (principal is Vigil::Agent, action, resource)
when { principal.owner == "internal" && !context.sourceIp.isInRange(ip("10.0.0.0/8")) };`,
    `@id("depth") forbid (principal, action == Vigil::Action::"Call", resource) when { context.delegationDepth > 2 };`,
    `@id("no-staging-writes") forbid (principal is Vigil::Agent, action == Vigil::Action::"Call", resource is Vigil::Route)
when { principal.deploymentEnv == "staging" && resource.method == "POST" };`,
  ];
  for (let i = 0; policies.length < size; i++) {
    policies.push(`@id("pinned-bot-${i}") forbid (principal is Vigil::Agent, action == Vigil::Action::"Call", resource is Vigil::Route)
when { principal.name == "bot-${i}" } unless { resource.hasTag("tenant") && resource.getTag("tenant") == "${i % 97}" };`);
  }
  return { text: policies.join("\n\n"), routes: ROUTES.map((r) => r.template) };
}
