import { getConfig } from "@/lib/config";
import type { Db } from "@/lib/db/types";
import { onceUnlessFailed, perObject, processSingleton } from "@/lib/process/singleton";
import { DatabaseReplayCache } from "./database-store";
import { connectRedisReplayCache } from "./redis-store";
import type { ReplayCache } from "./replay-cache";

export type OpenReplayCache = { cache: ReplayCache; store: "redis" | "database"; close: () => Promise<void> };

/** Redis when a URL is given (REDIS_URL), else the database Vigil already uses. */
export async function openReplayCache(options: { redisUrl?: string | undefined; db: Db }): Promise<OpenReplayCache> {
  if (options.redisUrl) {
    const { cache, close } = await connectRedisReplayCache(options.redisUrl);
    return { cache, store: "redis", close };
  }
  const cache = new DatabaseReplayCache(options.db);
  return { cache, store: "database", close: () => cache.settled() };
}

const slot = () => processSingleton("replay-cache", (): { redis?: Promise<OpenReplayCache>; databases: Set<DatabaseReplayCache> } => ({ databases: new Set() }));

/**
 * The replay cache for requests served from `db`: the process's one Redis connection when
 * REDIS_URL is set, else one cache per database object (the one the request uses, so tests on
 * their own database claim there too; the server has one).
 */
export async function replayCacheFor(db: Db): Promise<ReplayCache> {
  const s = slot();
  if (getConfig().REDIS_URL) {
    const opened = await onceUnlessFailed(s, "redis", async () => openReplayCache({ redisUrl: getConfig().REDIS_URL, db }));
    return opened.cache;
  }
  return perObject("database-replay-cache", db, (owner) => {
    const cache = new DatabaseReplayCache(owner);
    s.databases.add(cache);
    return cache;
  });
}

/**
 * At shutdown, before the database closes: claims in flight are settled and the Redis
 * connection is closed. Safe to call twice.
 */
export async function closeReplayCache(): Promise<void> {
  const s = slot();
  const redis = s.redis;
  s.redis = undefined;
  const databases = [...s.databases];
  s.databases.clear();
  await Promise.all([...databases.map((c) => c.settled()), redis ? redis.then((r) => r.close()) : Promise.resolve()]);
}
