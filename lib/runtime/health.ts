import { sql } from "drizzle-orm";
import type { MachineCtx } from "@/lib/context";
import { databaseDownSince, noteDatabaseError } from "@/lib/db/reachability";
import { storageFullSince } from "@/lib/db/storage";
import { externalKeySet } from "@/lib/keys/external-issuer";
import { keyringLoaded, noSigningKeyReason } from "@/lib/keys/keyring";
import { readState } from "@/lib/autoheal/state";
import { maintenance } from "./maintenance/view";
import { isStarted } from "./start";

// A probe must answer within its own timeout (Kubernetes' default is 1 s): a database that
// does not answer in this long is reported down rather than the probe hanging.
const PROBE_DATABASE_MS = 800;

async function databaseAnswers(ctx: MachineCtx): Promise<boolean> {
  // Known to be down: the reachability probe says when it is back.
  if (databaseDownSince() !== null) return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_DATABASE_MS)));
  try {
    const answered = ctx.db.execute(sql`select 1`).then(
      () => true,
      (error: unknown) => {
        noteDatabaseError(error);
        return false;
      },
    );
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

const DISK_FULL = "disk full: the database cannot write until space is freed";

/** Liveness: the process answers; reports the database without failing on it. */
export async function health(ctx: MachineCtx) {
  const database = !(await databaseAnswers(ctx)) ? "down" : storageFullSince() !== null ? "full" : "up";
  // `postgres` is what the seed runbook reads (the embedded database is PostgreSQL too).
  return { status: "ok", database, postgres: database === "down" ? "error" : "connected" };
}

export type Readiness = {
  status: "ready" | "degraded" | "not_ready";
  checks: Record<string, boolean>;
  problem?: string;
  oidc?: unknown;
  maintenance?: { enabled: true; reason: string | null; since: string | null };
};

/**
 * Readiness: not_ready until the database answers, migrations ran and a signing key is
 * loaded, and while writes fail for lack of space (reads, and so `select 1`, still work).
 */
export async function readiness(ctx: MachineCtx): Promise<Readiness> {
  const fullSince = storageFullSince();
  const checks = { database: await databaseAnswers(ctx), storage: fullSince === null, migrations: isStarted(), signing_key: keyringLoaded() };
  const ok = Object.values(checks).every(Boolean);
  // The organisation's provider being unreachable is reported, not fatal: cached keys keep
  // working and Vigil's own tokens do not depend on it, so the instance stays in rotation.
  const oidc = externalKeySet()?.status();
  const status = !ok ? "not_ready" : oidc && !oidc.ok ? "degraded" : "ready";
  const problem = fullSince !== null ? `${DISK_FULL} (since ${new Date(fullSince).toISOString()})` : !checks.signing_key && checks.migrations ? noSigningKeyReason() : undefined;
  // Reported, not failed: probes must keep the instance in rotation so operators reach the
  // console and the API that ends maintenance; agents get 503 with Retry-After meanwhile.
  const m = maintenance();
  const inMaintenance = m.enabled ? { maintenance: { enabled: true as const, reason: m.reason, since: m.since } } : {};
  return { status, checks, ...(problem ? { problem } : {}), ...(oidc ? { oidc } : {}), ...inMaintenance };
}

/**
 * GET / when asked for JSON (the seed's autoheal guide: `$health.dry_run`): liveness plus the
 * autoheal switches. Public like liveness; with the database down the switches are unknown
 * (null), never a guess.
 */
export async function rootHealth(ctx: MachineCtx) {
  const live = await health(ctx);
  const state = live.database === "down" ? null : await readState(ctx.db).catch(() => null);
  return { ...live, service: "vigil", autoheal: state?.enabled ?? null, dry_run: state?.dryRun ?? null };
}
