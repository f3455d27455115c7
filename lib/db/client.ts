import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { Sql } from "postgres";
import * as schema from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import { acquirePgliteLock, EmbeddedDatabaseLockLostError } from "./pglite-lock";
import type { Db } from "./types";
import { onceUnlessFailed, processSingleton } from "@/lib/process/singleton";

export type DbHandle = {
  db: Db;
  kind: "pglite" | "postgres";
  /** Connection URL when kind = postgres. */
  url?: string;
  /** postgres.js client (LISTEN/NOTIFY, raw access) when kind = postgres. */
  sql?: Sql;
  /** Whether hot statements may run as named prepared statements (DATABASE_PREPARED_STATEMENTS). */
  prepared?: boolean;
  /** PGlite instance when kind = pglite. */
  pglite?: PGlite;
  close: () => Promise<void>;
};

const slot = () => processSingleton("db", (): { handle?: Promise<DbHandle> } => ({}));

/**
 * The process-wide database handle, one per process (processSingleton): PGlite admits one process and one
 * open instance per data directory, and Next's dev reloads (and the fast lane next to
 * Next's own bundle) would otherwise open a second one.
 */
export function getDbHandle(): Promise<DbHandle> {
  return onceUnlessFailed(slot(), "handle", () => openDatabase());
}

// Which handle a Db came from: verbs get the Db, and the few that need the driver itself
// (LISTEN for the live stream, the audit group commit) find it here. Per process, not per
// module: under Next's own server (next start, Vercel) instrumentation opens the database
// in one bundle and route handlers use it from another.
const handles = () => processSingleton("db-handles", () => new WeakMap<Db, DbHandle>());

/** The handle a database came from (every Db is opened by openDatabase). */
export function handleOf(db: Db): DbHandle {
  const handle = handles().get(db);
  if (!handle) throw new Error("this database was not opened by openDatabase");
  return handle;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

/** Closes the handle (SIGTERM/SIGINT, tests). Safe to call twice. */
export async function closeDb(): Promise<void> {
  const s = slot();
  const pending = s.handle;
  s.handle = undefined;
  if (pending) await (await pending).close();
}

// The reachability probe's own connection gives up quickly: it runs every quarter second
// while the database is down, and its answer is what lets requests through again.
const PROBE_CONNECT_SECONDS = 0.75;

/** `select 1` on a fresh connection of its own, bounded; rejects when PostgreSQL cannot be reached. */
export function reachabilityProbe(url: string, connectSeconds = PROBE_CONNECT_SECONDS): () => Promise<void> {
  return async () => {
    const { default: postgres } = await import("postgres");
    const one = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: connectSeconds, connection: { application_name: "vigil-probe" } });
    try {
      await one`select 1`;
    } finally {
      await one.end({ timeout: 0 });
    }
  };
}

export async function openDatabase(
  target = getConfig().database,
  poolMax = getConfig().DATABASE_POOL_MAX,
): Promise<DbHandle> {
  if (target.kind === "postgres") {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const prepared = getConfig().DATABASE_PREPARED_STATEMENTS;
    const sql = postgres(target.url, {
      max: poolMax,
      onnotice: () => {},
      // Bounded waits: a dead database must surface as an error, not a hung request.
      connect_timeout: getConfig().DATABASE_CONNECT_TIMEOUT_SECONDS,
      idle_timeout: 60,
      // No request holds a connection longer than this: an expensive audit query is
      // cancelled (503) instead of starving the pool the token endpoint needs.
      // Prepared statements (queryPrepared, the hot fixed-text ones) are planned for their
      // values on every run, as unprepared ones are: a generic plan cannot see how many keys
      // a JSON parameter holds and scans whole tables for them.
      connection: {
        application_name: "vigil",
        statement_timeout: getConfig().DATABASE_STATEMENT_TIMEOUT_MS,
        ...(prepared ? { plan_cache_mode: "force_custom_plan" } : {}),
      },
    });
    const db = drizzle({ client: sql, schema }) as unknown as Db;
    const handle: DbHandle = { db, kind: "postgres", url: target.url, sql, prepared, close: () => sql.end({ timeout: 5 }) };
    handles().set(db, handle);
    return handle;
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const dir = target.dataDir === "memory://" ? target.dataDir : path.resolve(/* turbopackIgnore: true */ target.dataDir, "pglite");
  let release = () => {};
  if (dir !== "memory://") {
    mkdirSync(dir, { recursive: true });
    // Lost to another process: thrown from the heartbeat, so it is an uncaught exception
    // (lib/runtime/shutdown.ts exits at once on it, without closing the database).
    release = await acquirePgliteLock(dir, {
      onLost: (holder) => {
        throw new EmbeddedDatabaseLockLostError(dir, holder);
      },
    });
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir);
  } catch (error) {
    release();
    throw error;
  }
  const db = drizzle({ client: pglite, schema }) as unknown as Db;
  const handle: DbHandle = {
    db,
    kind: "pglite",
    pglite,
    close: async () => {
      if (!pglite.closed) await pglite.close();
      release();
    },
  };
  handles().set(db, handle);
  return handle;
}
