import type { Decision } from "./engine";

// Per loaded version; a new version starts empty, so a change is never answered from the old one.
const MAX_ENTRIES = 10_000;

/**
 * The gateway asks the same question many times (one agent, one route, one tenant), and
 * a Cedar decision costs about a microsecond per policy in the set. A decision depends only
 * on what it is given, so it is kept under a key made of all of it: the principal and its
 * facts, the actor, method, path (hence template and parameters), selected headers, and the
 * context. `time` changes every second: when the set reads it (engine.ts `readsTime`), the
 * second is part of the key (so such sets are in effect not cached); `hour` and `weekday` always are.
 */
export class DecisionCache {
  private readonly entries = new Map<string, Decision>();
  readonly usesTime: boolean;

  constructor(usesTime: boolean) {
    this.usesTime = usesTime;
  }

  get(key: string): Decision | undefined {
    return this.entries.get(key);
  }

  set(key: string, decision: Decision): void {
    // Oldest first out: Map keeps insertion order.
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, decision);
  }

  get size(): number {
    return this.entries.size;
  }
}
