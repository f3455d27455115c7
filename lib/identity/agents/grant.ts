import { ForbiddenError } from "@/lib/errors";
import { API_SCOPES, hasScope, type Actor } from "@/lib/gate/actor";

// Scopes that open Vigil itself. Other scopes belong to the services agents call.
const PRIVILEGED = new Set<string>([...API_SCOPES, "autoheal:ack", "tokens:introspect"]);

/**
 * A caller may give an agent only the Vigil scopes it holds itself; otherwise agents:write
 * would be a path to admin (create an agent with admin, mint a token as it).
 */
export function assertCanGrant(actor: Actor, scopes: readonly string[]): void {
  const denied = scopes.filter((s) => PRIVILEGED.has(s) && !(s === "admin" ? actor.scopes.has("admin") : hasScope(actor, s)));
  if (denied.length > 0) {
    throw new ForbiddenError(`You cannot grant scopes you do not hold: ${denied.join(", ")}.`, denied[0]);
  }
}
