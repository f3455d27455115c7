import type { ClientJwks } from "@/drizzle/schema";
import { getLogger } from "@/lib/observability/logger";
import { fetchBounded } from "@/lib/keys/workload-keys";
import { publishedKeys } from "../agents/jwks";

// An agent's JWKS is a few keys: a few kB.
const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 3_000;
/** Keys are used `freshMs` before a refetch; an unknown kid refetches at most every `cooldownMs`. */
export type PublishedKeysTiming = { freshMs: number; cooldownMs: number };
const TIMING: PublishedKeysTiming = { freshMs: 5 * 60_000, cooldownMs: 30_000 };
// Agents, not strangers, name these URLs (agents:write registers them); still bounded.
const MAX_URIS = 1000;

type Entry = { jwks: ClientJwks | null; fetchedAt: number; lastAttempt: number; inflight: Promise<void> | null };
const cache = new Map<string, Entry>();

/**
 * The keys an agent publishes at its jwks_uri (private_key_jwt): cached for 5 minutes, fetched
 * again at once for a kid not among them (at most every 30 s, so forged kids cannot make Vigil
 * hammer the publisher: key rotation works without a change in Vigil), fetched with a 3 s
 * timeout, no redirects, at most 64 kB. A failed fetch keeps the keys held; none held: null.
 */
export async function agentPublishedJwks(uri: string, kid: string | undefined, timing: PublishedKeysTiming = TIMING): Promise<ClientJwks | null> {
  let entry = cache.get(uri);
  if (!entry) {
    if (cache.size >= MAX_URIS) cache.delete(cache.keys().next().value ?? "");
    entry = { jwks: null, fetchedAt: 0, lastAttempt: 0, inflight: null };
    cache.set(uri, entry);
  }
  const now = Date.now();
  const unknownKid = kid !== undefined && !entry.jwks?.keys.some((k) => k.kid === kid);
  const stale = now - entry.fetchedAt >= timing.freshMs;
  if ((stale || unknownKid) && now - entry.lastAttempt >= (stale && !entry.jwks ? 0 : timing.cooldownMs)) {
    const held = entry;
    held.inflight ??= refresh(uri, held).finally(() => {
      held.inflight = null;
    });
    await held.inflight;
  }
  return entry.jwks;
}

async function refresh(uri: string, entry: Entry): Promise<void> {
  entry.lastAttempt = Date.now();
  try {
    const keys = publishedKeys(JSON.parse(await fetchBounded(uri, MAX_BYTES, TIMEOUT_MS)) as unknown);
    if (keys.length === 0) throw new Error("no usable signing key in the JWKS");
    entry.jwks = { keys };
    entry.fetchedAt = Date.now();
  } catch (error) {
    getLogger().warn({ jwks_uri: uri, err: (error as Error).message }, "an agent's jwks_uri could not be read; keeping the keys held");
  }
}

/** Forgets every fetched key set (tests). */
export function forgetPublishedJwks(): void {
  cache.clear();
}
