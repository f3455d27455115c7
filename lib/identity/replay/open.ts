import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
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

const slot = () => processSingleton("replay-cache", (): { opened?: Promise<OpenReplayCache> } => ({}));

/** The process's replay cache, opened on first use from the configuration. */
export async function getReplayCache(): Promise<ReplayCache> {
  const opened = await onceUnlessFailed(slot(), "opened", async () => openReplayCache({ redisUrl: getConfig().REDIS_URL, db: await getDb() }));
  return opened.cache;
}

/** Closes the process's replay cache (shutdown, tests). Safe to call twice. */
export async function closeReplayCache(): Promise<void> {
  const s = slot();
  const pending = s.opened;
  s.opened = undefined;
  if (pending) await (await pending).close();
}

/**
 * The replay cache for requests served from `db`: the process's Redis cache when REDIS_URL is
 * set, else claims in that database (the one the request uses, so tests on their own
 * database claim there too).
 */
export async function replayCacheFor(db: Db): Promise<ReplayCache> {
  if (getConfig().REDIS_URL) return getReplayCache();
  return perObject("database-replay-cache", db, (owner) => new DatabaseReplayCache(owner));
}
