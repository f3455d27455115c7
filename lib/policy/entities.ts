import { isIP } from "node:net";
import type { Actor } from "@/lib/access/actor";
import type { Person } from "@/lib/access/person";
import { parsePersonId, personId } from "@/lib/access/person";
import type { PolicyEntity, Uid } from "./engine";
import type { RouteMatch } from "./routes";

/** What a decision needs to know of an agent (a row of the registry, or its cached facts). */
export type AgentFacts = { id: string; name: string; owner: string; status: string; allowedScopes: readonly string[]; deploymentEnv: string; labels?: Readonly<Record<string, string>> };

export const agentUid = (id: string): Uid => ({ type: "Vigil::Agent", id });
export const audienceUid = (audience: string): Uid => ({ type: "Vigil::Audience", id: audience });

export function agentEntity(a: AgentFacts): PolicyEntity {
  return {
    uid: agentUid(a.id),
    attrs: { name: a.name, owner: a.owner, status: a.status, scopes: [...a.allowedScopes], deploymentEnv: a.deploymentEnv },
    parents: [{ type: "Vigil::Owner", id: a.owner }],
    tags: { ...(a.labels ?? {}) },
  };
}

/** A person as a decision sees them: roles and groups when known (claims at hand, or what Vigil last saw). */
export type PolicyPerson = Pick<Person, "issuer" | "sub" | "scopes" | "roles" | "groups">;

export function personEntity(p: PolicyPerson): PolicyEntity {
  return {
    uid: { type: "Vigil::Person", id: personId(p.issuer, p.sub) },
    attrs: { sub: p.sub, issuer: p.issuer, scopes: [...p.scopes], roles: [...(p.roles ?? [])], groups: [...(p.groups ?? [])] },
    parents: [],
  };
}

/** One gateway request as a `Route` in its audience; parameters and selected headers as tags. */
export function routeEntity(audience: string, method: string, path: string, match: RouteMatch | null, headers: Record<string, string>): PolicyEntity {
  const tags: Record<string, string> = { ...(match?.params ?? {}) };
  for (const [name, value] of Object.entries(headers)) tags[`header:${name}`] = value;
  return {
    uid: { type: "Vigil::Route", id: `${method} ${path}` },
    attrs: { method, path, template: match?.template ?? "" },
    parents: [audienceUid(audience)],
    tags,
  };
}

export type ContextFacts = { now: Date; ip: string | null; dpopBound: boolean; delegationDepth: number; scopes: Iterable<string>; actor?: Uid };

export function contextOf(f: ContextFacts): Record<string, unknown> {
  return {
    time: Math.floor(f.now.getTime() / 1000),
    hour: f.now.getUTCHours(),
    // Monday = 1 … Sunday = 7 (ISO 8601), as people write business hours.
    weekday: ((f.now.getUTCDay() + 6) % 7) + 1,
    // An unknown address is 0.0.0.0: `isInRange` answers false rather than the decision failing.
    sourceIp: { __extn: { fn: "ip", arg: validIp(f.ip) ?? "0.0.0.0" } },
    dpopBound: f.dpopBound,
    delegationDepth: f.delegationDepth,
    scopes: [...f.scopes],
    ...(f.actor ? { actor: { __entity: f.actor } } : {}),
  };
}

function validIp(ip: string | null): string | null {
  if (!ip) return null;
  const bare = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  return isIP(bare) ? bare : null;
}

/** The principal of a caller at the gateway: the person for a delegated or person token, else the agent. */
export function principalOf(actor: Actor): { kind: "agent"; id: string } | { kind: "person"; person: PolicyPerson } | null {
  if (actor.person) return { kind: "person", person: actor.person };
  // Vigil's delegated and authorization code tokens name the person as their subject; the
  // token's scope is what the person (through the chain) holds here.
  if (actor.kind === "delegated") {
    const named = parsePersonId(actor.id);
    return named ? { kind: "person", person: { ...named, scopes: actor.scopes } } : null;
  }
  if (actor.kind === "agent") return { kind: "agent", id: actor.id };
  return null;
}
