// A bound under the notifications (a lost one cannot leave an entry forever) and on memory.
const DEFAULT_TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

/**
 * A read-through cache kept honest by the gate's change stream: the owner drops entries when
 * a change arrives (revocation, rotation, suspension, a new grant — from any instance), and
 * nothing lives longer than a minute regardless. Concurrent misses for one key share one
 * read; a read that started before a change is neither cached nor handed to a request that
 * came after it (every drop bumps `generation`).
 */
export class ChangeCache<V> {
  private entries = new Map<string, { value: V; at: number }>();
  private loading = new Map<string, Promise<V | undefined>>();
  private generation = 0;

  /** `ttlMs`: how long an entry may serve with no change seen (facts without a change stream keep it short). */
  constructor(private readonly ttlMs = DEFAULT_TTL_MS) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** The cached value, or `read` once however many requests miss at the same moment. */
  async getOrLoad(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const snapshot = this.generation;
    const load = read()
      .then((value) => {
        if (value !== undefined && snapshot === this.generation) this.store(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === load) this.loading.delete(key);
      });
    this.loading.set(key, load);
    return load;
  }

  /** Drops the entries `matches` picks (all of them without one), and every read in flight. */
  drop(matches?: (key: string, value: V) => boolean): void {
    this.generation++;
    this.loading.clear();
    if (!matches) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) if (matches(key, entry.value)) this.entries.delete(key);
  }

  /** A value just written by this instance, for its readers at once (not the row before the write lands). */
  put(key: string, value: V): void {
    this.generation++;
    this.loading.delete(key);
    this.store(key, value);
  }

  private store(key: string, value: V): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, at: Date.now() });
  }
}
