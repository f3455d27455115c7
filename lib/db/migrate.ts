import path from "node:path";
import type { DbHandle } from "./client";

// Arbitrary constant shared by every Vigil instance: one migrator at a time per database.
const MIGRATION_LOCK_KEY = 7_401_190_301;

export function migrationsFolder(): string {
  return path.join(process.cwd(), "drizzle", "migrations");
}

/** Applies committed, forward-only migrations. Concurrent instances wait on an advisory lock. */
export async function applyMigrations(handle: DbHandle): Promise<void> {
  const migrationsDir = migrationsFolder();
  if (handle.kind === "pglite" && handle.pglite) {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    const { drizzle } = await import("drizzle-orm/pglite");
    await migrate(drizzle({ client: handle.pglite }), { migrationsFolder: migrationsDir });
    return;
  }
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  if (!handle.url) throw new Error("postgres handle without a URL");
  // One connection, so the session-level advisory lock covers every migration statement.
  const sql = postgres(handle.url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migrate(drizzle({ client: sql }), { migrationsFolder: migrationsDir });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
