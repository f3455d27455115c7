import type { Lapse } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { gateView, type GateStateView, type TokenFacts } from "@/lib/identity/state-view";
import { processSingleton } from "@/lib/process/singleton";

/** The revocation-list id of a console session: never a token's jti (those are UUIDs). */
export const sessionRevocationId = (sid: string) => `session:${sid}`;

/**
 * A Vigil token: it ends at `exp`, and is withdrawn the moment the gate's view says it is
 * dead (revoked; its agent, credential, a hop of its chain or a grant no longer active).
 */
export function tokenLapse(db: Db, claims: TokenFacts & { exp: number }): Lapse {
  return { expiresAt: claims.exp * 1000, withdrawn: () => gateView(db)?.inactiveReason(claims) ?? null, watch: (onChange) => watchGate(db, onChange) };
}

/** The organisation provider's token: Vigil learns of nothing that ends it before `exp`. */
export function providerTokenLapse(exp: number): Lapse {
  return { expiresAt: exp * 1000, withdrawn: () => null };
}

/** A console session: it ends at its expiry, or when its person signs out (on any instance). */
export function sessionLapse(db: Db, sid: string, exp: number): Lapse {
  const id = sessionRevocationId(sid);
  return { expiresAt: exp * 1000, withdrawn: () => (gateView(db)?.isRevoked(id) ? "signed out" : null), watch: (onChange) => watchGate(db, onChange) };
}

const watchers = () => processSingleton("gate-watchers", () => new WeakMap<GateStateView, Set<() => void>>());

/**
 * One listener on the view per process, however many streams watch: a change (or the
 * minute's full reload) re-checks each of them, a few map lookups apiece.
 */
function watchGate(db: Db, onChange: () => void): () => void {
  const view = gateView(db);
  if (!view) return () => {};
  let set = watchers().get(view);
  if (!set) {
    const created = new Set<() => void>();
    const fire = () => {
      for (const watcher of [...created]) watcher();
    };
    view.events.on("change", fire);
    view.events.on("reload", fire);
    watchers().set(view, created);
    set = created;
  }
  const watching = set;
  watching.add(onChange);
  return () => watching.delete(onChange);
}
