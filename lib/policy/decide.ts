import { createHash } from "node:crypto";
import { callerType, type Actor } from "@/lib/access/actor";
import { commitBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { HeaderReader, RequestFacts } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { countDecision, getMetrics, type DecisionPoint } from "@/lib/observability/metrics";
import { agentFacts } from "./agent-facts";
import { decide, type Decision, type DecisionRequest, type PolicyEntity, type Uid } from "./engine";
import { agentEntity, agentUid, audienceUid, contextOf, personEntity, principalOf, routeEntity, type PolicyPerson } from "./entities";
import { recordPersonFacts, withPersonFacts } from "./person-facts";
import type { PolicyAction } from "./schema";
import { policyView, type LoadedSet, type PolicyView } from "./view";

/**
 * What a decision point learns: whether to go on, and if refused the reason id to show (the
 * deciding policies' ids, or `no-permit` when nothing permitted) — never the policy text.
 */
export type PolicyOutcome = {
  set: string;
  version: number;
  mode: "enforce" | "shadow";
  allow: boolean;
  refused: boolean;
  reason: string;
  decision: Decision;
  /** A gateway request whose path matched none of the set's route templates (a common cause of no-permit). */
  unrouted?: boolean;
};

/**
 * Asks the set for `audience` (if one applies) about `request`, counts the decision, audits a
 * deny (`policy.denied`, without waiting for the write) and says whether it is enforced: a
 * shadow-mode set never refuses, it only records what it would have refused.
 */
export function decideFor(
  point: Extract<DecisionPoint, `policy_${string}`>,
  set: LoadedSet,
  request: DecisionRequest,
  caller: { actor: Actor; facts: RequestFacts & { db: Db } },
  /** Everything the decision depends on, when the caller can say (the gateway): a repeated question is answered from the set's cache. */
  cacheKey?: string,
): PolicyOutcome {
  const end = getMetrics().policyDecisionSeconds.startTimer({ point });
  let decision = cacheKey === undefined ? undefined : set.decisions.get(cacheKey);
  if (!decision) {
    decision = decide(set.key, request);
    if (cacheKey !== undefined) set.decisions.set(cacheKey, decision);
  }
  end();
  const refused = !decision.allow && set.mode === "enforce";
  const reason = decision.allow ? "" : decision.policies.length > 0 ? decision.policies.join(",") : decision.errors.length > 0 ? "policy-error" : "no-permit";
  countDecision(point, decision.allow ? "allow" : refused ? "deny" : "shadow_deny", callerType(caller.actor));
  // Every deny is recorded; allows only as sampled (the gateway's hot path stays free of writes by default).
  if (!decision.allow) audit("policy.denied", point, set, request, decision, reason, caller);
  else if (Math.random() < getConfig().POLICY_ALLOW_SAMPLE_RATE) audit("policy.allowed", point, set, request, decision, "", caller);
  return { set: set.name, version: set.version, mode: set.mode, allow: decision.allow, refused, reason, decision };
}

function audit(kind: "policy.denied" | "policy.allowed", point: string, set: LoadedSet, request: DecisionRequest, decision: Decision, reason: string, caller: { actor: Actor; facts: RequestFacts & { db: Db } }): void {
  const f = caller.facts;
  // no-scope: records a policy refusal at a decision point; the caller asked nothing of Vigil's API.
  commitBatched({ requestId: f.requestId, ip: f.ip, userAgent: f.userAgent, db: f.db, actor: caller.actor }, {
    kind,
    outcome: kind === "policy.denied" ? "denied" : "success",
    ...(caller.actor.kind === "agent" ? { agentId: caller.actor.id } : {}),
    metadata: {
      point,
      action: request.action,
      principal: `${request.principal.type}::${request.principal.id}`,
      resource: `${request.resource.type}::${request.resource.id}`.slice(0, 1024),
      set: set.name,
      version: set.version,
      mode: set.mode,
      enforced: set.mode === "enforce",
      ...(reason ? { reason } : {}),
      policies: decision.policies,
      ...(decision.errors.length > 0 ? { errors: decision.errors.slice(0, 5) } : {}),
    },
  }).catch((e: unknown) => getLogger().warn({ err: e, kind }, "could not audit a policy decision"));
}

/**
 * The gateway's `Call` decision for a request to a service behind it, when a policy set
 * applies to the token's audience. Memory only, but for an agent's facts not read in the
 * last 30 s.
 */
export async function decideCall(
  actor: Actor,
  audiences: readonly string[],
  request: { method: string; uri: string; headers: HeaderReader; dpopBound: boolean },
  facts: RequestFacts & { db: Db },
): Promise<PolicyOutcome | null> {
  const principal = principalOf(actor);
  if (principal?.kind === "person") remember(facts.db, principal.person);
  const view = policyView(facts.db);
  if (!view || !audiences.some((a) => view.forAudience(a))) return null;
  const entities: PolicyEntity[] = [];
  // What the decision depends on, in order, for the set's decision cache.
  const principalParts: unknown[] = [];
  let principalUid: Uid | null = null;
  if (principal?.kind === "agent") {
    const agent = await agentFacts(facts.db, principal.id);
    if (agent) entities.push(agentEntity(agent));
    principalUid = { type: "Vigil::Agent", id: principal.id };
    principalParts.push(principal.id, factsId(agent));
  } else if (principal?.kind === "person") {
    const person = personEntity(await withPersonFacts(facts.db, principal.person));
    entities.push(person);
    principalUid = person.uid;
    principalParts.push(person.uid.id, person.attrs);
  }
  const chain = actor.delegation?.chain ?? [];
  const outermost = chain[0];
  if (outermost) {
    const agent = await agentFacts(facts.db, outermost);
    if (agent) entities.push(agentEntity(agent));
    principalParts.push(outermost, factsId(agent));
  }
  const path = request.uri.split("?")[0] ?? "/";
  const context = contextOf({
    now: new Date(),
    ip: facts.ip,
    dpopBound: request.dpopBound,
    delegationDepth: chain.length,
    scopes: actor.scopes,
    ...(outermost ? { actor: { type: "Vigil::Agent", id: outermost } } : {}),
  });
  // Read after the awaits, so no version replaced meanwhile decides; and every set that
  // applies to one of the token's audiences must allow (a token for two services is held to both).
  let last: PolicyOutcome | null = null;
  for (const set of setsFor(view, audiences)) {
    const outcome = principalUid ? callOn(set, principalUid, principalParts, entities, request, path, context, { actor, facts }) : unknownPrincipal(set, actor, facts, path);
    if (outcome.refused) return outcome;
    if (!outcome.allow || !last) last = outcome;
  }
  return last;
}

function callOn(
  set: LoadedSet,
  principal: Uid,
  principalParts: unknown[],
  known: PolicyEntity[],
  request: { method: string; headers: HeaderReader; dpopBound: boolean },
  path: string,
  context: Record<string, unknown>,
  caller: { actor: Actor; facts: RequestFacts & { db: Db } },
): PolicyOutcome {
  const selected: Record<string, string> = {};
  for (const name of set.headers) {
    const value = request.headers.get(name);
    if (value !== null) selected[name] = value.slice(0, 1024);
  }
  const match = set.routes(path);
  const route = routeEntity(set.audience, request.method.toUpperCase(), path, match, selected);
  const key = cacheKey([...principalParts, route.uid.id, selected, context.sourceIp, request.dpopBound, context.delegationDepth, context.scopes, context.hour, context.weekday, set.decisions.usesTime ? context.time : 0]);
  const outcome = decideFor("policy_call", set, { principal, action: "Call" satisfies PolicyAction, resource: route.uid, context, entities: [...known, route] }, caller, key);
  return match || !set.templated ? outcome : { ...outcome, unrouted: true };
}

/** A set applies and the caller is neither an agent nor a person: refused (audited), never waved through. */
function unknownPrincipal(set: LoadedSet, actor: Actor, facts: RequestFacts & { db: Db }, path: string): PolicyOutcome {
  const refused = set.mode === "enforce";
  countDecision("policy_call", refused ? "deny" : "shadow_deny", callerType(actor));
  const decision = { allow: false, policies: [], errors: ["the caller is neither an agent nor a person"] };
  const request: DecisionRequest = { principal: { type: "Vigil::Unknown", id: actor.id }, action: "Call", resource: { type: "Vigil::Route", id: path }, context: {}, entities: [] };
  audit("policy.denied", "policy_call", set, request, decision, "unknown-principal", { actor, facts });
  return { set: set.name, version: set.version, mode: set.mode, allow: false, refused, reason: "unknown-principal", decision };
}

/** The sets that apply to a token's audiences, each once (one audience, the usual case, allocates least). */
function setsFor(view: PolicyView, audiences: readonly string[]): LoadedSet[] {
  if (audiences.length === 1) {
    const one = view.forAudience(audiences[0] as string);
    return one ? [one] : [];
  }
  return [...new Set(audiences.map((a) => view.forAudience(a)).filter((s): s is LoadedSet => s !== undefined))];
}

// An agent's facts are one object for as long as they are cached (agent-facts.ts): the key
// names that object instead of spelling out its contents; refreshed facts get a new name.
const factIds = new WeakMap<object, number>();
let nextFactId = 0;
function factsId(facts: object | null): number {
  if (!facts) return -1;
  let id = factIds.get(facts);
  if (id === undefined) factIds.set(facts, (id = ++nextFactId));
  return id;
}

// The parts hold a path and selected headers (kilobytes at worst), 10,000 times per version:
// a long key is hashed, a usual one (a few hundred characters) kept as it is, hashing costing
// a tenth of the gateway's budget for a policy decision.
function cacheKey(parts: unknown[]): string {
  const json = JSON.stringify(parts);
  return json.length <= 1024 ? json : `#${createHash("sha256").update(json).digest("base64url")}`;
}

/** Claims just verified say who a person is in their organisation: kept for requests that carry none. */
function remember(db: Db, person: PolicyPerson): void {
  recordPersonFacts(db, { issuer: person.issuer, sub: person.sub, roles: person.roles, groups: person.groups });
}

/** Who asks, for a scope decision: an agent for itself, or a person through an agent. */
export type ScopePrincipal = { agentId: string } | { person: PolicyPerson; agentId: string; depth: number };

/**
 * A decision about scopes (`IssueToken`, `ExchangeToken`, `Authorize`), after the static
 * checks: one decision for everything asked; when that is refused, one per scope, so a forbid
 * on one scope removes that scope rather than the whole request. Returns the scopes to go on
 * with (all of them when no set applies to the audience, or in shadow mode) and the outcome of
 * the first decision.
 */
export async function decideScopes(
  point: "policy_issue" | "policy_exchange" | "policy_authorize",
  who: ScopePrincipal,
  audiences: readonly string[],
  scopes: readonly string[],
  dpopBound: boolean,
  facts: RequestFacts & { db: Db },
  actor: Actor,
): Promise<{ scopes: readonly string[]; outcome: PolicyOutcome | null }> {
  if ("person" in who) remember(facts.db, who.person);
  const view = policyView(facts.db);
  if (!view || !audiences.some((a) => view.forAudience(a))) return { scopes, outcome: null };
  const agent = await agentFacts(facts.db, who.agentId);
  const entities: PolicyEntity[] = agent ? [agentEntity(agent)] : [];
  let principal = agentUid(who.agentId);
  if ("person" in who) {
    const person = personEntity(await withPersonFacts(facts.db, who.person));
    entities.push(person);
    principal = person.uid;
  }
  const action = point === "policy_issue" ? "IssueToken" : point === "policy_exchange" ? "ExchangeToken" : "Authorize";
  // Read after the awaits (no replaced version decides); a token for several audiences gets
  // what every applicable set allows: each set decides on what the one before kept.
  let kept: readonly string[] = scopes;
  let first: PolicyOutcome | null = null;
  for (const set of setsFor(view, audiences)) {
    const ask = (asked: readonly string[]) =>
      decideFor(point, set, {
        principal,
        action,
        resource: audienceUid(set.audience),
        context: contextOf({
          now: new Date(),
          ip: facts.ip,
          dpopBound,
          delegationDepth: "person" in who ? who.depth : 0,
          scopes: asked,
          ...("person" in who ? { actor: agentUid(who.agentId) } : {}),
        }),
        entities,
      }, { actor, facts });
    const whole = ask(kept);
    if (!first || (whole.refused && !first.refused)) first = whole;
    if (whole.allow || !whole.refused) continue;
    kept = kept.length > 1 ? kept.filter((s) => ask([s]).allow) : [];
    if (kept.length === 0) break;
  }
  return { scopes: kept, outcome: first };
}
