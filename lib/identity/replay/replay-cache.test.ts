import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { generateKeyPair, generateProof } from "dpop";
import { sql } from "drizzle-orm";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { queryRows } from "@/lib/db/rows";
import { ServiceUnavailableError } from "@/lib/errors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { claimDpopProof } from "../dpop/claim";
import { DpopProofError } from "../dpop/errors";
import { verifyDpopProof } from "../dpop/verify-proof";
import { DatabaseReplayCache } from "./database-store";
import { openReplayCache } from "./open";
import { connectRedisReplayCache, RedisReplayCache } from "./redis-store";
import { replayKey, type ReplayCache } from "./replay-cache";

/** Two caches as two Vigil replicas would hold them, and how many claims the store holds. */
type Replicas = { a: ReplayCache; b: ReplayCache; size: () => Promise<number>; close: () => Promise<void> };
type Store = { name: string; open: () => Promise<Replicas> };

const rowCount = async (handle: DbHandle) => Number((await queryRows<{ n: string }>(handle.db, sql`select count(*) as n from replay_claims`))[0]?.n);

function databaseStore(target: ReturnType<typeof testTargets>[number]): Store {
  return {
    name: target.name,
    open: async () => {
      const t: TestDatabase = await target.open();
      // PGlite is one process's database: its replicas share the handle. On PostgreSQL the
      // second replica has a pool of its own.
      const second = t.handle.url ? await openDatabase({ kind: "postgres", url: t.handle.url }, 5) : t.handle;
      const a = new DatabaseReplayCache(t.handle.db);
      const b = new DatabaseReplayCache(second.db);
      return {
        a,
        b,
        size: () => rowCount(t.handle),
        close: async () => {
          await Promise.all([a.settled(), b.settled()]);
          if (second !== t.handle) await second.close();
          await t.drop();
        },
      };
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A private redis-server for this file, stopped by its pid afterwards. */
let redis: { process: ChildProcess; url: string } | null = null;
async function startRedis(): Promise<string> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)));
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Ready to accept connections")) resolve();
    });
  });
  redis = { process: child, url: `redis://127.0.0.1:${port}` };
  return redis.url;
}

const redisStore: Store = {
  name: "redis",
  open: async () => {
    const url = redis?.url ?? (await startRedis());
    const [a, b] = await Promise.all([connectRedisReplayCache(url), connectRedisReplayCache(url)]);
    const admin = createClient({ url });
    await admin.connect();
    await admin.flushDb();
    return {
      a: a.cache,
      b: b.cache,
      size: () => admin.dbSize(),
      close: async () => {
        await Promise.all([a.close(), b.close(), admin.close()]);
      },
    };
  },
};

afterAll(async () => {
  if (!redis) return;
  const child = redis.process;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
});

const stores: Store[] = [...testTargets().map(databaseStore), redisStore];
const inSeconds = (s: number) => new Date(Date.now() + s * 1000);
let n = 0;
const freshKey = (label: string) => replayKey("dpop", `${label}-${++n}-${Math.random()}`);

describe.each(stores)("replay cache on $name", (store) => {
  let r: Replicas;
  beforeAll(async () => {
    r = await store.open();
  });
  afterAll(async () => r?.close());

  it("accepts a key the first time and refuses it the second", async () => {
    const key = freshKey("once");
    expect(await r.a.claim(key, inSeconds(60))).toBe(true);
    expect(await r.a.claim(key, inSeconds(60))).toBe(false);
    expect(await r.a.claim(freshKey("other"), inSeconds(60))).toBe(true);
  });

  it("shares claims between two replicas", async () => {
    const key = freshKey("shared");
    expect(await r.a.claim(key, inSeconds(60))).toBe(true);
    expect(await r.b.claim(key, inSeconds(60))).toBe(false);
    const back = freshKey("shared-back");
    expect(await r.b.claim(back, inSeconds(60))).toBe(true);
    expect(await r.a.claim(back, inSeconds(60))).toBe(false);
  });

  it("keeps namespaces apart: a DPoP jti does not spend a client assertion's", async () => {
    expect(await r.a.claim(replayKey("dpop", `ns-${n}`), inSeconds(60))).toBe(true);
    expect(await r.a.claim(replayKey("assertion", `ns-${n}`), inSeconds(60))).toBe(true);
  });

  it("lets a key be claimed again once its claim has expired, and only once", async () => {
    const key = freshKey("expiring");
    expect(await r.a.claim(key, new Date(Date.now() + 300))).toBe(true);
    expect(await r.b.claim(key, inSeconds(60))).toBe(false);
    // Wait for the store to see the claim expire (its clock decides), not for a fixed time.
    const deadline = Date.now() + 10_000;
    let again = false;
    while (!again && Date.now() < deadline) {
      again = await r.b.claim(key, inSeconds(60));
      if (!again) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(again).toBe(true);
    expect(await r.a.claim(key, inSeconds(60))).toBe(false);
    // A claim whose expiry has already passed blocks nothing.
    const past = freshKey("past");
    expect(await r.a.claim(past, inSeconds(-1))).toBe(true);
    expect(await r.a.claim(past, inSeconds(60))).toBe(true);
  });

  it("lets exactly one of a storm of 10,000 identical claims from two replicas win, and holds one entry for it", async () => {
    const key = freshKey("storm");
    const before = await r.size();
    const expiresAt = inSeconds(60);
    const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? r.a : r.b).claim(key, expiresAt)));
    expect(results.filter((won) => won).length).toBe(1);
    expect((await r.size()) - before).toBe(1);
    // PGlite runs the 10,000 statements one by one in this process: seconds, not milliseconds.
  }, 120_000);

  it("claims a verified DPoP proof once: the same proof at the other replica is refused", async () => {
    const keys = await generateKeyPair("ES256");
    const url = "https://vigil.example.com/api/v1/token";
    const proof = await generateProof(keys, url, "POST");
    const first = await verifyDpopProof({ dpop: proof, method: "POST", url });
    await claimDpopProof(r.a, first);
    const second = await verifyDpopProof({ dpop: proof, method: "POST", url });
    await expect(claimDpopProof(r.b, second)).rejects.toSatisfy((e) => e instanceof DpopProofError && e.error === "invalid_dpop_proof" && /used before/.test(e.description));
  });
});

describe.each(testTargets())("the database store's purge on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => t?.drop());

  it("deletes expired claims in bounded batches and leaves live ones", async () => {
    await t.handle.db.execute(sql`insert into replay_claims (key, expires_at) select 'expired:' || i, now() - interval '1 minute' from generate_series(1, 50) i`);
    await t.handle.db.execute(sql`insert into replay_claims (key, expires_at) select 'live:' || i, now() + interval '1 minute' from generate_series(1, 5) i`);
    const cache = new DatabaseReplayCache(t.handle.db, { purgeBatch: 10, purgeMaxBatches: 2, purgeEveryMs: 60_000 });
    expect(await cache.purge()).toBe(20);
    expect(await cache.purge()).toBe(20);
    expect(await cache.purge()).toBe(10);
    expect(await cache.purge()).toBe(0);
    expect(await rowCount(t.handle)).toBe(5);
  });

  it("purges on its own as claims arrive", async () => {
    await t.handle.db.execute(sql`insert into replay_claims (key, expires_at) select 'old:' || i, now() - interval '1 minute' from generate_series(1, 30) i`);
    const cache = new DatabaseReplayCache(t.handle.db, { purgeEveryMs: 0 });
    expect(await cache.claim(freshKey("trigger"), inSeconds(60))).toBe(true);
    await cache.settled();
    expect(Number((await queryRows<{ n: string }>(t.handle.db, sql`select count(*) as n from replay_claims where key like 'old:%'`))[0]?.n)).toBe(0);
  });

  it("is an UNLOGGED table", async () => {
    const rows = await queryRows<{ persistence: string }>(t.handle.db, sql`select relpersistence as persistence from pg_class where relname = 'replay_claims'`);
    expect(rows).toEqual([{ persistence: "u" }]);
  });

  it("is the store openReplayCache picks without a Redis URL; with one it picks Redis", async () => {
    const database = await openReplayCache({ db: t.handle.db });
    expect(database.store).toBe("database");
    await database.close();
    const url = redis?.url ?? (await startRedis());
    const opened = await openReplayCache({ redisUrl: url, db: t.handle.db });
    expect(opened.store).toBe("redis");
    const rows = await rowCount(t.handle);
    expect(await opened.cache.claim(freshKey("picked"), inSeconds(60))).toBe(true);
    expect(await rowCount(t.handle)).toBe(rows);
    await opened.close();
  });
});

describe("the Redis store", () => {
  it("refuses with 503 (never hangs) when Redis cannot be reached at all", async () => {
    const error = await connectRedisReplayCache("redis://127.0.0.1:1").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceUnavailableError);
  });

  it("refuses (fails closed) when Redis cannot answer", async () => {
    const url = redis?.url ?? (await startRedis());
    const client = createClient({ url, disableOfflineQueue: true });
    await client.connect();
    await client.close();
    await expect(new RedisReplayCache(client).claim(freshKey("down"), inSeconds(60))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
