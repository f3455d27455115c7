import { EventEmitter } from "node:events";
import { and, eq, gt, isNotNull, ne, sql } from "drizzle-orm";
import { agents, credentials, delegationGrants, revocations } from "@/drizzle/schema";
import type { DbHandle } from "@/lib/db/client";
import type { Db, Executor } from "@/lib/db/types";
import { follow, type Listener, type Notice } from "@/lib/events/notify";
import { getLogger } from "@/lib/observability/logger";
import { actChain, type ActClaim } from "./tokens/verify";
import { processSingleton } from "@/lib/process/singleton";

export const GATE_CHANNEL = "vigil_gate";

/** What changed, as published on GATE_CHANNEL. `v` orders changes to one subject. */
export type GateChange =
  | { t: "jti"; jti: string; exp: number }
  | { t: "agent"; id: string; status: string; v: number }
  | { t: "client"; id: string; status: string; v: number }
  | { t: "delegation"; id: string; status: string; v: number };

/** What the view needs of a token: its id, subject, client and, when delegated, its chain and grants. */
export type TokenFacts = { jti: string; sub: string; client_id?: string; act?: ActClaim; delegation_ids?: string[] };

// A safety net under the notifications: a full reload this often bounds any drift.
const FULL_RELOAD_MS = 60_000;

/**
 * The gate's in-memory picture of what makes a signature-valid token dead: revoked jtis,
 * agents that are not active, credentials that are revoked. Loaded at start, kept fresh by
 * LISTEN/NOTIFY from every instance, and updated locally right after a local commit, so
 * verification never reads the database per request and revocations take effect at once.
 */
export class GateStateView {
  private revokedJtis = new Map<string, number>();
  private agentStatus = new Map<string, { status: string; v: number }>();
  private clientStatus = new Map<string, { status: string; v: number }>();
  private delegationStatus = new Map<string, { status: string; v: number }>();
  private listener: Listener | null = null;
  loadedAt = 0;
  /** Emits "change" after each applied change and "reload" after a full reload. */
  readonly events = new EventEmitter();

  constructor(private readonly db: Db) {}

  async start(handle: DbHandle): Promise<void> {
    await this.reload();
    // This instance's own commits apply at once (commit.ts delivers them), before NOTIFY echoes them.
    this.listener = await follow(handle, GATE_CHANNEL, {
      apply: (c) => this.apply(c as GateChange),
      reload: () => this.reload(),
      reloadEveryMs: FULL_RELOAD_MS,
      onReloadError: (error) => getLogger().warn({ err: error }, "gate view reload failed"),
    });
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
  }

  /**
   * Changes that arrive while a reload reads, one list per reload in progress (the minute's
   * reload and a reconnect's can overlap, e.g. when the database comes back after an outage);
   * each reload re-applies its own list after its swap.
   */
  private readonly reloading = new Set<GateChange[]>();

  async reload(): Promise<void> {
    const arrived: GateChange[] = [];
    this.reloading.add(arrived);
    const read = Promise.all([
      this.db.select({ jti: revocations.jti, exp: revocations.expiresAt }).from(revocations).where(gt(revocations.expiresAt, sql`now()`)),
      this.db.select({ id: agents.id, status: agents.status, v: agents.updatedAt }).from(agents).where(ne(agents.status, "active")),
      this.db.select({ id: credentials.clientId, v: credentials.revokedAt }).from(credentials).where(and(eq(credentials.status, "revoked"))),
      // Revoked grants whose tokens may still be alive (a token never outlives its grant).
      this.db
        .select({ id: delegationGrants.id, v: delegationGrants.revokedAt })
        .from(delegationGrants)
        .where(and(isNotNull(delegationGrants.revokedAt), gt(delegationGrants.expiresAt, sql`now()`))),
    ]);
    let jtis, inactive, revoked, grants;
    try {
      [jtis, inactive, revoked, grants] = await read;
    } finally {
      this.reloading.delete(arrived);
    }
    this.revokedJtis = new Map(jtis.map((r) => [r.jti, r.exp.getTime()]));
    this.agentStatus = new Map(inactive.map((r) => [r.id, { status: r.status, v: r.v.getTime() }]));
    this.clientStatus = new Map(revoked.map((r) => [r.id, { status: "revoked", v: r.v?.getTime() ?? 0 }]));
    this.delegationStatus = new Map(grants.map((r) => [r.id, { status: "revoked", v: r.v?.getTime() ?? 0 }]));
    this.loadedAt = Date.now();
    // A revocation applied while the reload read the tables may be missing from what it
    // read: replay it onto the fresh maps, or it would be undone until the next reload.
    for (const change of arrived) this.apply(change);
    // Anything cached from before (e.g. credentials) may be older than what was just read.
    this.events.emit("reload");
  }

  apply(change: GateChange): void {
    for (const arrived of this.reloading) arrived.push(change);
    if (change.t === "jti") this.revokedJtis.set(change.jti, change.exp * 1000);
    else if (change.t === "agent") setIfNewer(this.agentStatus, change.id, change.status, change.v);
    else if (change.t === "client") setIfNewer(this.clientStatus, change.id, change.status, change.v);
    else if (change.t === "delegation") setIfNewer(this.delegationStatus, change.id, change.status, change.v);
    this.events.emit("change", change);
  }

  /** Whether this id (a token's jti, or a console session's `session:<sid>`) is on the revocation list. */
  isRevoked(id: string): boolean {
    return this.revokedJtis.has(id);
  }

  /**
   * Why a token is dead, or null. Pure memory. A delegated token dies with any agent or
   * credential of its chain and with any grant it rests on: revoking a grant or suspending
   * one agent refuses everything issued through them, at once.
   */
  inactiveReason(claims: TokenFacts): string | null {
    if (this.revokedJtis.has(claims.jti)) return "token revoked";
    const agent = this.agentStatus.get(claims.sub);
    if (agent && agent.status !== "active") return `agent ${agent.status}`;
    const client = claims.client_id ? this.clientStatus.get(claims.client_id) : undefined;
    if (client && client.status !== "active") return "credential revoked";
    if (!claims.act) return null;
    for (const hop of actChain(claims.act)) {
      const actor = this.agentStatus.get(hop.sub);
      if (actor && actor.status !== "active") return `acting agent ${actor.status}`;
      const credential = hop.client_id ? this.clientStatus.get(hop.client_id) : undefined;
      if (credential && credential.status !== "active") return "acting agent's credential revoked";
    }
    for (const id of claims.delegation_ids ?? []) {
      if (this.delegationStatus.get(id)?.status === "revoked") return "delegation revoked";
    }
    return null;
  }
}

function setIfNewer(map: Map<string, { status: string; v: number }>, id: string, status: string, v: number) {
  const held = map.get(id);
  if (held && held.v > v) return;
  map.set(id, { status, v });
}

const views = () => processSingleton("gate-views", () => new WeakMap<Db, GateStateView>());

/** Starts the view for a database handle (once). */
export async function startGateView(handle: DbHandle): Promise<GateStateView> {
  const existing = views().get(handle.db);
  if (existing) return existing;
  const view = new GateStateView(handle.db);
  views().set(handle.db, view);
  try {
    await view.start(handle);
  } catch (error) {
    views().delete(handle.db);
    throw error;
  }
  return view;
}

export function gateView(db: Executor): GateStateView | undefined {
  return views().get(db as Db);
}

/**
 * A change for every instance's view, returned in a commit's `notices`: sent with the
 * change's transaction, and applied on this instance as soon as it commits.
 */
export function gateNotice(change: GateChange): Notice {
  return { channel: GATE_CHANNEL, payload: change };
}
