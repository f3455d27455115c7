/**
 * The Cedar schema Vigil gives every decision (issue 15). Policies are validated against it
 * before they are saved, so a policy naming an attribute or type Vigil does not provide is
 * refused with its position instead of silently never matching.
 *
 * - `Agent`: a registered agent; in its `Owner` group, so `principal in Vigil::Owner::"payments"` works;
 *   its labels are its tags (`principal.hasTag("team") && principal.getTag("team") == "billing"`).
 * - `Person`: an issuer-qualified subject (id `<iss>#<sub>`), with the scopes Vigil mapped for them,
 *   and their roles (OIDC_ROLES_CLAIM) and groups (OIDC_GROUPS_CLAIM) as their provider's claims
 *   say: from the request's own claims where it has them (a console session, a provider token),
 *   else as Vigil last saw them (a sign-in or provider token; lib/policy/person-facts.ts).
 * - `Audience`: the resource URI a token is for (the `aud`), the resource of `IssueToken`,
 *   `ExchangeToken` and `Authorize`.
 * - `Route`: one request at the gateway, in its `Audience`; `template` is the configured route
 *   template it matched (`/tenants/{tenant}/invoices/{id}`, or "" when none did); the template's
 *   path parameters are the route's tags (`resource.getTag("tenant")`), and selected request
 *   headers are tags named `header:<lower-case name>`.
 * - context: `time` (seconds since the epoch), `hour` and `weekday` (UTC; Monday = 1),
 *   `sourceIp`, `dpopBound`, `delegationDepth` (0 when not delegated), `scopes` (those asked
 *   for, or those the token holds at the gateway), and for a person's delegated token `actor`:
 *   the agent acting for them (the outermost of the chain; `delegationDepth` counts the chain).
 */
export const VIGIL_SCHEMA = `namespace Vigil {
  entity Owner;
  entity Agent in [Owner] {
    name: String,
    owner: String,
    status: String,
    scopes: Set<String>,
    deploymentEnv: String,
  } tags String;
  entity Person {
    sub: String,
    issuer: String,
    scopes: Set<String>,
    roles: Set<String>,
    groups: Set<String>,
  };
  entity Audience;
  entity Route in [Audience] {
    method: String,
    path: String,
    template: String,
  } tags String;

  type Context = {
    time: Long,
    hour: Long,
    weekday: Long,
    sourceIp: ipaddr,
    dpopBound: Bool,
    delegationDepth: Long,
    scopes: Set<String>,
    actor?: Agent,
  };

  action IssueToken appliesTo { principal: [Agent], resource: [Audience], context: Context };
  action ExchangeToken appliesTo { principal: [Agent, Person], resource: [Audience], context: Context };
  action Authorize appliesTo { principal: [Person], resource: [Audience], context: Context };
  action Call appliesTo { principal: [Agent, Person], resource: [Route], context: Context };
}
`;

export const POLICY_ACTIONS = ["IssueToken", "ExchangeToken", "Authorize", "Call"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];
