import { ForbiddenError } from "@/lib/errors";
import { scopesOfRole, type Role } from "./roles";

/** Vigil's own API scopes. `admin` implies every other one. */
export const API_SCOPES = ["agents:read", "agents:write", "audit:read", "autoheal:ack", "admin"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export type Actor = {
  kind: "agent" | "user" | "external" | "system";
  /** Token `sub` (agent id or the external provider's subject), or a system component name. */
  id: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** How the actor appears in audit events: "agent:<uuid>", "user:<sub>", "oidc:<sub>", "system:<name>". */
  label: string;
};

export function systemActor(name: string): Actor {
  return { kind: "system", id: name, scopes: new Set(["admin"]), label: `system:${name}` };
}

/** What a console session says about its person (Auth.js's JWT claims, as Vigil writes them). */
export type SessionPerson = { sub: string; email?: string | undefined; role: Role | null | undefined };

/**
 * The person behind a console session, with the scopes their role maps to. The API (cookie
 * requests) and the server-rendered pages both build their actor here, so a page can show
 * nothing the API would refuse.
 */
export function userActor(session: SessionPerson): Actor {
  return { kind: "user", id: session.sub, scopes: new Set(scopesOfRole(session.role ?? null)), label: `user:${session.email ?? session.sub}` };
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
