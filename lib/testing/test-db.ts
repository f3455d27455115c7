import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";

export type TestDatabase = { name: "pglite" | "postgres"; handle: DbHandle; drop: () => Promise<void> };
type Target = { name: "pglite" | "postgres"; open: () => Promise<TestDatabase> };

/** The store suite runs on PGlite always, and on real PostgreSQL when TEST_DATABASE_URL is set. */
export function testTargets(): Target[] {
  const targets: Target[] = [{ name: "pglite", open: openPglite }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) targets.push({ name: "postgres", open: () => openPostgres(url) });
  return targets;
}

async function openPglite(): Promise<TestDatabase> {
  const handle = await openDatabase({ kind: "pglite", dataDir: "memory://" });
  await applyMigrations(handle);
  return { name: "pglite", handle, drop: handle.close };
}

/** A fresh database per suite on the shared server, dropped afterwards. */
export async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `vigil_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const created = await createPostgresDatabase(adminUrl);
  const handle = await openDatabase({ kind: "postgres", url: created.url }, 5);
  await applyMigrations(handle);
  return {
    name: "postgres",
    handle,
    drop: async () => {
      await handle.close();
      await created.drop();
    },
  };
}

/**
 * A database prepared as the server prepares its own at start: migrated, with a signing key
 * loaded and the gate's view (and the credential cache on it) running.
 */
export async function openLikeServer(target: Target): Promise<TestDatabase> {
  const { ensureSigningKey } = await import("@/lib/keys/ensure");
  const { loadKeyring } = await import("@/lib/keys/keyring");
  const { startGateView } = await import("@/lib/identity/state-view");
  const t = await target.open();
  await ensureSigningKey(t.handle.db);
  await loadKeyring(t.handle.db);
  const view = await startGateView(t.handle);
  return {
    ...t,
    drop: async () => {
      await view.stop();
      await t.drop();
    },
  };
}
