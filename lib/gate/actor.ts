import { ForbiddenError } from "@/lib/errors";

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

export function hasScope(actor: Actor, scope: string): boolean {
  return actor.scopes.has(scope) || actor.scopes.has("admin");
}

/** First line of every verb: the actor must hold the scope (or admin). */
export function requireScope(actor: Actor, scope: ApiScope): void {
  if (!hasScope(actor, scope)) {
    throw new ForbiddenError(`This action requires the ${scope} scope.`, scope);
  }
}
