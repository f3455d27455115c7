import { ForbiddenError } from "@/lib/errors";
import type { Person } from "./person";
import { scopesOfRole, type Role } from "./roles";

/** Vigil's own API scopes. `admin` implies every other one. */
export const API_SCOPES = ["agents:read", "agents:write", "audit:read", "autoheal:ack", "delegations:read", "delegations:write", "admin"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export type Actor = {
  kind: "agent" | "user" | "external" | "delegated" | "system";
  /**
   * Token `sub` (agent id, the external provider's subject, or for a delegated token the
   * issuer-qualified person), or a system component name.
   */
  id: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** How the actor appears in audit events: "agent:<uuid>", "user:<sub>", "oidc:<sub>", "system:<name>". */
  label: string;
  /** A person (console session or the provider's token): who they are and what they may delegate. */
  person?: Person;
  /** A person acting through agents (RFC 8693 `act`): the agents outermost first, and the grants used. */
  delegation?: { chain: readonly string[]; grantIds: readonly string[] };
};

/** Who a decision is about, for vigil_authorization_decisions_total. */
export function callerType(actor: Actor): "person" | "agent" | "delegated" | "system" {
  if (actor.kind === "delegated") return "delegated";
  if (actor.kind === "user" || actor.kind === "external") return actor.person ? "person" : "agent";
  return actor.kind === "agent" ? "agent" : "system";
}

export function systemActor(name: string): Actor {
  return { kind: "system", id: name, scopes: new Set(["admin"]), label: `system:${name}` };
}

/** What a console session says about its person (Auth.js's JWT claims, as Vigil writes them). */
export type SessionPerson = {
  sub: string;
  email?: string | undefined;
  role: Role | null | undefined;
  /** The provider that signed them in ("dev" for the trial's development sign-in). */
  issuer?: string | undefined;
  /** What they may delegate, from their claims at sign-in (DELEGATION_SCOPE_MAP). */
  delegable?: readonly string[] | undefined;
  /** Their roles and groups from their claims at sign-in (runtime policy). */
  roles?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
};

/**
 * The person behind a console session, with the scopes their role maps to. The API (cookie
 * requests) and the server-rendered pages both build their actor here, so a page can show
 * nothing the API would refuse.
 */
export function userActor(session: SessionPerson): Actor {
  const scopes = new Set(scopesOfRole(session.role ?? null));
  const label = `user:${session.email ?? session.sub}`;
  const person: Person | undefined = session.issuer
    ? { issuer: session.issuer, sub: session.sub, label: session.email ?? session.sub, scopes: new Set([...scopes, ...(session.delegable ?? [])]), ...(session.roles ? { roles: session.roles } : {}), ...(session.groups ? { groups: session.groups } : {}) }
    : undefined;
  return { kind: "user", id: session.sub, scopes, label, ...(person ? { person } : {}) };
}

/** The scopes a set stands for: `admin` stands for every Vigil API scope too. */
export function impliedScopes(scopes: Iterable<string>): Set<string> {
  const out = new Set(scopes);
  if (out.has("admin")) for (const s of API_SCOPES) out.add(s);
  return out;
}

export function hasScope(actor: Actor, scope: string): boolean {
  return actor.scopes.has(scope) || actor.scopes.has("admin");
}

/** First line of every verb: the actor must hold the scope, or every scope listed (or admin). */
export function requireScope(actor: Actor, scope: ApiScope | readonly ApiScope[]): void {
  for (const s of typeof scope === "string" ? [scope] : scope) {
    if (!hasScope(actor, s)) throw new ForbiddenError(`This action requires the ${s} scope.`, s);
  }
}
