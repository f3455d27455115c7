import { sql } from "drizzle-orm";
import { getDbHandle } from "@/lib/db/client";
import { externalKeySet } from "@/lib/gate/external-issuer";
import { keyringLoaded } from "@/lib/identity/keys/keyring";
import { isStarted } from "@/lib/runtime/start";
import { json } from "../problem";
import type { Handler } from "../types";

async function databaseAnswers(): Promise<boolean> {
  try {
    const { db } = await getDbHandle();
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

// GET /api/health – liveness: the process answers; reports the database without failing on it
export const health: Handler = async () => {
  const database = (await databaseAnswers()) ? "up" : "down";
  return json({ status: "ok", database });
};

// GET /api/ready – readiness: 503 until the database answers, migrations ran and a key is loaded
export const ready: Handler = async () => {
  const checks = { database: await databaseAnswers(), migrations: isStarted(), signing_key: keyringLoaded() };
  const ok = Object.values(checks).every(Boolean);
  // The organisation's provider being unreachable is reported, not fatal: cached keys keep
  // working and Vigil's own tokens do not depend on it, so the instance stays in rotation.
  const oidc = externalKeySet()?.status();
  const status = !ok ? "not_ready" : oidc && !oidc.ok ? "degraded" : "ready";
  return json({ status, checks, ...(oidc ? { oidc } : {}) }, ok ? 200 : 503);
};
