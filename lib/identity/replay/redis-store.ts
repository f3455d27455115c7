import { createClient } from "redis";
import { ServiceUnavailableError } from "@/lib/errors";
import { getLogger } from "@/lib/observability/logger";
import type { ReplayCache } from "./replay-cache";

/** The little of a node-redis client this store uses (a test may hand it any client). */
export type RedisSetNx = {
  set(key: string, value: string, options: { condition: "NX"; expiration: { type: "PX"; value: number } }): Promise<string | null>;
};

// How long a first connection may take before the request that needed it is refused.
const CONNECT_WAIT_MS = 3000;

// Vigil's keys in a Redis that may hold other applications' keys too.
const PREFIX = "vigil:replay:";

/**
 * Claims as `SET key 1 NX PX ttl`: Redis answers OK to the first claim of a key only, and
 * forgets the key when its claim expires, so the store holds one key per live claim. Every
 * replica on the same Redis shares the claims.
 */
export class RedisReplayCache implements ReplayCache {
  constructor(private readonly client: RedisSetNx) {}

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    const ttl = expiresAt.getTime() - Date.now();
    // An expired claim would block nothing (and PX must be positive).
    if (ttl <= 0) return true;
    let reply: string | null;
    try {
      reply = await this.client.set(`${PREFIX}${key}`, "1", { condition: "NX", expiration: { type: "PX", value: ttl } });
    } catch (error) {
      // Fail closed: without the cache a replayed proof could not be told from a fresh one.
      getLogger().error({ err: error }, "replay cache (Redis) unavailable");
      throw new ServiceUnavailableError("The replay cache is unavailable; try again shortly.");
    }
    return reply === "OK";
  }
}

export type RedisConnection = { cache: RedisReplayCache; close: () => Promise<void> };

/**
 * Connects to REDIS_URL. Commands fail at once while the connection is down (no offline
 * queue): a request waits on no reconnect, it is refused and may be retried.
 */
export async function connectRedisReplayCache(url: string): Promise<RedisConnection> {
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5000 } });
  // node-redis emits connection errors as events; unheard, they would end the process.
  client.on("error", (error: unknown) => getLogger().warn({ err: error }, "Redis connection error"));
  // node-redis's connect() waits for as long as reconnecting takes (forever, Redis down): a
  // request must not. Refused after CONNECT_WAIT_MS; the next request tries again.
  const connecting = client.connect();
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Redis did not answer")), CONNECT_WAIT_MS);
  });
  try {
    await Promise.race([connecting, gaveUp]);
  } catch (error) {
    connecting.catch(() => undefined);
    client.destroy();
    getLogger().error({ err: error }, "replay cache (Redis) cannot be reached");
    throw new ServiceUnavailableError("The replay cache (Redis) cannot be reached; try again shortly.");
  } finally {
    clearTimeout(timer);
  }
  return {
    cache: new RedisReplayCache(client),
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}
