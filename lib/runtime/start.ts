import { noRequest } from "@/lib/context";
import { ENVIRONMENT } from "./maintenance/state";
import { applyMaintenanceEnvironment } from "./maintenance/switch";
import { startMaintenanceView, stopMaintenanceView } from "./maintenance/view";
import { startAuditMaintenance, stopAuditMaintenance } from "@/lib/audit/maintenance";
import { ensurePartitions } from "@/lib/audit/retention/partitions";
import { refreshOnRequest, refreshStaleViews } from "@/lib/events/on-request";
import { loadConfiguredRules } from "@/lib/autoheal/rules-store";
import { startProcessRunner, stopProcessRunner } from "@/lib/autoheal/runner";
import { ensureState } from "@/lib/autoheal/state";
import { getConfig } from "@/lib/config";
import { getDbHandle, reachabilityProbe } from "@/lib/db/client";
import { setReachabilityProbe } from "@/lib/db/reachability";
import { applyMigrations } from "@/lib/db/migrate";
import { watchEmbeddedStorage } from "@/lib/db/storage";
import { startExternalIssuer } from "@/lib/keys/external-issuer";
import { startGateView } from "@/lib/identity/state-view";
import { applyPolicyDir } from "@/lib/policy/directory";
import { startPolicyView } from "@/lib/policy/view";
import { ensureBootstrapAdmin } from "@/lib/identity/bootstrap";
import { ensureSigningKey } from "@/lib/keys/ensure";
import { resealAtStart } from "./reseal-at-start";
import { loadKeyring } from "@/lib/keys/keyring";
import { getLogger } from "@/lib/observability/logger";
import { onceUnlessFailed, processSingleton } from "@/lib/process/singleton";
import { waitForDatabase } from "./wait-for-database";

type Runtime = { started?: Promise<void>; ready: boolean; refresh?: NodeJS.Timeout; unregister?: () => void };
const slot = () => processSingleton("runtime", (): { runtime?: Runtime } => ({}));
const runtime = (): Runtime => (slot().runtime ??= { ready: false });

// Other instances may rotate keys; a pending key becomes active only after the rotation
// delay (default 600 s), so a refresh well inside it keeps every instance in step.
const KEYRING_REFRESH_MS = 30_000;

/**
 * Start-up, once per process: database, migrations, signing key, bootstrap admin. Every
 * handler awaits it, so the first request waits rather than failing.
 */
export function ensureStarted(): Promise<void> {
  const started = onceUnlessFailed(runtime(), "started", start);
  // Serverless: what other instances changed reaches this one here (no LISTEN there).
  return getConfig().serverless ? started.then(() => refreshStaleViews()) : started;
}

async function start(): Promise<void> {
  const config = getConfig();
  const log = getLogger();
  // First: a rules file with mistakes stops the start, naming each rule and field.
  const rules = await loadConfiguredRules();
  if (config.database.kind === "postgres") {
    await waitForDatabase(config.database.url, config.DATABASE_START_TIMEOUT_SECONDS, config.DATABASE_CONNECT_TIMEOUT_SECONDS, log);
  }
  const handle = await getDbHandle();
  if (config.database.kind === "pglite") watchEmbeddedStorage(config.database.dataDir);
  else setReachabilityProbe(reachabilityProbe(config.database.url));
  await applyMigrations(handle);
  await ensureSigningKey(handle.db);
  await loadKeyring(handle.db);
  await resealAtStart({ ...noRequest, db: handle.db, by: "system:secret-rotation" });
  await ensureBootstrapAdmin(handle.db);
  await startGateView(handle);
  // Runtime policy sets: POLICY_DIR's first (a mistake in it stops the start, naming file,
  // line and column), then all of them into the engine; changes arrive as the gate's do.
  if (config.POLICY_DIR) await applyPolicyDir(handle.db, config.POLICY_DIR);
  await startPolicyView(handle);
  await startExternalIssuer();
  // Serverless: nothing runs between requests; /api/cron/* seal, retain and run the jobs.
  if (config.serverless) await ensurePartitions(handle.db);
  else await startAuditMaintenance(handle);
  await ensureState(handle.db);
  await applyMaintenanceEnvironment({ ...noRequest, by: ENVIRONMENT, db: handle.db });
  await startMaintenanceView(handle);
  const r = runtime();
  if (config.serverless) {
    r.unregister ??= refreshOnRequest("keyring", KEYRING_REFRESH_MS, async () => void (await loadKeyring(handle.db)));
  } else {
    await startProcessRunner(handle);
    r.refresh ??= setInterval(() => {
      loadKeyring(handle.db).catch((error: unknown) => log.warn({ err: error }, "keyring refresh failed"));
    }, KEYRING_REFRESH_MS);
    r.refresh.unref();
  }
  r.ready = true;
  log.info({ database: handle.kind, issuer: config.issuer, production: config.production, serverless: config.serverless }, "vigil started");
  log.info({ rules: rules.rules.length, source: rules.source }, "autoheal rules loaded");
}

export function isStarted(): boolean {
  return runtime().ready;
}

/**
 * Stops timers and the autoheal runner (shutdown and tests); actions in flight get up to
 * `drainMs` to finish and be recorded before they are cut off.
 */
export async function stopRuntime(drainMs = 0): Promise<void> {
  const r = runtime();
  if (r.refresh) clearInterval(r.refresh);
  r.unregister?.();
  stopAuditMaintenance();
  await stopMaintenanceView();
  slot().runtime = undefined;
  await stopProcessRunner(drainMs);
}
