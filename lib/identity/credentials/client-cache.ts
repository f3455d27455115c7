import type { GateChange, GateStateView } from "@/lib/identity/state-view";
import { perObject } from "@/lib/process/singleton";

/** What client authentication needs of a credential and its agent. */
export type ClientRecord = {
  credentialId: string;
  status: string;
  secretHash: string;
  previousSecretHash: string | null;
  previousExpiresAt: Date | null;
  agentId: string;
  agentStatus: string;
  allowedScopes: string[];
  allowedResources: string[] | null;
  monthlyTokenQuota: number | null;
};

// A bound under the notifications (a lost one cannot leave an entry forever) and on memory.
const TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

/**
 * Credentials by client_id, so the token endpoint does not read the database per token.
 * Entries are dropped by the gate's change stream (revocation, rotation, suspension, scope
 * edits — from any instance) and after a minute regardless. A fill that raced with a change
 * is not stored: every change bumps `generation`, and a read that started before it is
 * thrown away rather than cached.
 */
export class ClientCache {
  private entries = new Map<string, { record: ClientRecord; at: number }>();
  private generation = 0;

  constructor(view: GateStateView) {
    view.events.on("change", (change: GateChange) => this.invalidate(change));
    view.events.on("reload", () => this.clear());
  }

  get(clientId: string, now = Date.now()): ClientRecord | undefined {
    const entry = this.entries.get(clientId);
    if (!entry) return undefined;
    if (now - entry.at > TTL_MS) {
      this.entries.delete(clientId);
      return undefined;
    }
    return entry.record;
  }

  /** Call before reading the database; pass the result to `set`. */
  snapshot(): number {
    return this.generation;
  }

  set(clientId: string, record: ClientRecord, snapshot: number): void {
    if (snapshot !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(clientId, { record, at: Date.now() });
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  private invalidate(change: GateChange): void {
    this.generation++;
    if (change.t === "client") this.entries.delete(change.id);
    if (change.t === "agent") {
      for (const [clientId, entry] of this.entries) if (entry.record.agentId === change.id) this.entries.delete(clientId);
    }
  }
}

/** The cache riding on a running gate view (none without one: then every lookup reads). */
export function clientCacheFor(view: GateStateView | undefined): ClientCache | undefined {
  return view ? perObject("client-cache", view, (owner) => new ClientCache(owner)) : undefined;
}
