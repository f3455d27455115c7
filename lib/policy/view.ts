import { eq } from "drizzle-orm";
import { policySets } from "@/drizzle/schema";
import type { DbHandle } from "@/lib/db/client";
import type { Db } from "@/lib/db/types";
import { follow, type Listener } from "@/lib/events/notify";
import { getLogger } from "@/lib/observability/logger";
import { perObject } from "@/lib/process/singleton";
import { checkPolicies, loadPolicies, readsTime, unloadPolicies } from "./engine";
import { POLICY_CHANNEL, type PolicyChange } from "./notice";
import { DecisionCache } from "./decision-cache";
import { routeMatcher, type RouteMatcher } from "./routes";

export type LoadedSet = {
  name: string;
  audience: string;
  mode: "enforce" | "shadow";
  version: number;
  key: string;
  routes: RouteMatcher;
  /** Whether the set names route templates at all (a path matching none is then worth saying). */
  templated: boolean;
  headers: string[];
  /** The gateway's decisions of this version, by everything they depend on (decide.ts). */
  decisions: DecisionCache;
};

let views = 0;

// A missed notice (a listener reconnecting) is repaired by the next full read at the latest.
const FULL_RELOAD_MS = 60_000;

/**
 * This instance's policy sets, loaded into the engine and found by audience in memory: a
 * decision reads nothing from the database. A change is loaded from its row when its notice
 * arrives (this instance's own at commit, other instances' through LISTEN), so it is enforced
 * everywhere within the notice's propagation; a version older than the one loaded is ignored.
 */
export class PolicyView {
  private byAudience = new Map<string, LoadedSet>();
  private byName = new Map<string, LoadedSet>();
  private listener: Listener | null = null;
  private readonly id = ++views;

  constructor(private readonly db: Db) {}

  async start(handle: DbHandle): Promise<void> {
    await this.reload();
    this.listener = await follow(handle, POLICY_CHANNEL, {
      apply: (payload) => {
        const change = payload as PolicyChange;
        if (typeof change?.name !== "string") return;
        void this.refresh(change.name).catch((error: unknown) => getLogger().warn({ err: error, set: change.name }, "policy set reload failed"));
      },
      reload: () => this.reload(),
      reloadEveryMs: FULL_RELOAD_MS,
      onReloadError: (error) => getLogger().warn({ err: error }, "policy view reload failed"),
    });
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
  }

  /** The set that applies to tokens for `audience`, if any. */
  forAudience(audience: string): LoadedSet | undefined {
    return this.byAudience.get(audience);
  }

  sets(): LoadedSet[] {
    return [...this.byName.values()];
  }

  async reload(): Promise<void> {
    const rows = await this.db.select().from(policySets);
    for (const row of rows) this.load(row);
    const present = new Set(rows.map((r) => r.name));
    for (const name of this.byName.keys()) if (!present.has(name)) this.drop(name);
  }

  async refresh(name: string): Promise<void> {
    const [row] = await this.db.select().from(policySets).where(eq(policySets.name, name));
    if (row) this.load(row);
    else this.drop(name);
  }

  /** A set removed (POLICY_DIR no longer holds it): its audience has no policy from now on. */
  private drop(name: string): void {
    const loaded = this.byName.get(name);
    if (!loaded) return;
    unloadPolicies(loaded.key);
    this.byName.delete(name);
    if (this.byAudience.get(loaded.audience) === loaded) this.byAudience.delete(loaded.audience);
  }

  private load(row: typeof policySets.$inferSelect): void {
    const loaded = this.byName.get(row.name);
    if (loaded && loaded.version >= row.version) return;
    const checked = checkPolicies(row.text);
    if (!checked.ok) {
      // Saved text always validated; a schema grown stricter since is reported, and the
      // version loaded before (if any) keeps deciding.
      getLogger().error({ set: row.name, version: row.version, problem: checked.problems[0]?.message }, "policy set no longer validates; keeping the version loaded before");
      return;
    }
    // Per view and version: two views in one process (tests, two "instances") may hold
    // different versions, and each frees only what it loaded.
    const key = `set:${this.id}:${row.name}@${row.version}`;
    loadPolicies(key, checked.parsed);
    // The version replaced decides nothing more here: its engine memory (and slices) go.
    if (loaded) unloadPolicies(loaded.key);
    const next: LoadedSet = { name: row.name, audience: row.audience, mode: row.mode as LoadedSet["mode"], version: row.version, key, routes: routeMatcher(row.routes), templated: row.routes.length > 0, headers: row.headers, decisions: new DecisionCache(readsTime(checked.parsed)) };
    if (loaded && loaded.audience !== row.audience) this.byAudience.delete(loaded.audience);
    this.byName.set(row.name, next);
    this.byAudience.set(row.audience, next);
  }
}

// One view per database handle: the server has one; tests open several in one process.
const slot = (db: Db) => perObject("policy-view", db, (): { view?: PolicyView; starting?: Promise<PolicyView> } => ({}));

export async function startPolicyView(handle: DbHandle): Promise<PolicyView> {
  const s = slot(handle.db);
  s.starting ??= (async () => {
    const view = new PolicyView(handle.db);
    await view.start(handle);
    s.view = view;
    return view;
  })();
  return s.starting;
}

/** The view of this database once started (decision points run after start-up); none: no policy applies. */
export function policyView(db: Db): PolicyView | undefined {
  return slot(db).view;
}
