import { ForbiddenError } from "@/lib/errors";
import { API_SCOPES, hasScope, type Actor } from "@/lib/access/actor";

// Scopes that open Vigil itself. Other scopes belong to the services agents call.
const PRIVILEGED = new Set<string>([...API_SCOPES, "autoheal:ack", "tokens:introspect"]);

/**
 * A caller may give an agent only the Vigil scopes it holds itself; otherwise agents:write
 * would be a path to admin (create an agent with admin, mint a token as it).
 */
export function assertCanGrant(actor: Actor, scopes: readonly string[]): void {
  const denied = missingPrivileges(actor, scopes);
  if (denied.length > 0) {
    throw new ForbiddenError(`You cannot grant scopes you do not hold: ${denied.join(", ")}.`, denied[0]);
  }
}

/**
 * Acting on an agent (credentials, status, fields) is acting with its powers: a new secret
 * for an admin agent is an admin token. So the caller must hold every Vigil scope the
 * target agent holds.
 */
export function assertCanManage(actor: Actor, agent: { allowedScopes: readonly string[] }): void {
  const denied = missingPrivileges(actor, agent.allowedScopes);
  if (denied.length > 0) {
    throw new ForbiddenError(`This agent holds scopes you do not (${denied.join(", ")}); only a caller holding them may manage it.`, denied[0]);
  }
}

function missingPrivileges(actor: Actor, scopes: readonly string[]): string[] {
  return scopes.filter((s) => PRIVILEGED.has(s) && !(s === "admin" ? actor.scopes.has("admin") : hasScope(actor, s)));
}
