import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnUntilReady } from "./child";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const BOOTSTRAP_SECRET = "e2e-bootstrap-admin-secret-0123456789abcdef";
export const AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123456789";
export const ORDERS_AUDIENCE = "https://orders.example.com/";
/** A service behind the gateway that runtime policy tests govern (no other test uses it). */
export const INVOICES_AUDIENCE = "https://invoices.example.com/";
/** A service whose runtime policy decides by people's groups (e2e/http/delegation.test.ts only). */
export const PEOPLE_AUDIENCE = "https://people.example.com/";

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export type VigilProcess = {
  name: string;
  baseUrl: string;
  pid: number | undefined;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/**
 * Production-mode settings for a test instance; `database` picks PGlite or a PostgreSQL URL.
 * Browser tests use host "localhost": Next rewrites 127.0.0.1 to localhost in request URLs,
 * so that is the origin Auth.js builds its callback URLs from.
 */
export function productionEnv(port: number, database: { url?: string; dataDir?: string }, host = "127.0.0.1"): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    AUTH_URL: `http://${host}:${port}`,
    AUTH_SECRET,
    VIGIL_BOOTSTRAP_ADMIN_SECRET: BOOTSTRAP_SECRET,
    VIGIL_DEV_SIGNIN: "false",
    LOG_LEVEL: "info",
    MAX_BODY_BYTES: "65536",
    // The gateway also accepts tokens minted for this service behind it.
    VALIDATOR_AUDIENCES: `http://${host}:${port},${ORDERS_AUDIENCE},${INVOICES_AUDIENCE},${PEOPLE_AUDIENCE}`,
  };
  if (database.url) env.DATABASE_URL = database.url;
  else {
    env.VIGIL_ALLOW_EMBEDDED_DB = "true";
    env.VIGIL_DATA_DIR = database.dataDir ?? mkdtempSync(path.join(tmpdir(), "vigil-e2e-"));
  }
  return env;
}

/**
 * Starts the built fast lane (dist/server.mjs) and waits until /api/ready answers 200.
 * `baseUrl` defaults to AUTH_URL; instances sharing one AUTH_URL (one issuer behind a load
 * balancer) pass their own address.
 */
export async function startVigil(name: string, env: Record<string, string>, cwd = ROOT, base?: string): Promise<VigilProcess> {
  // Only what the test sets: a DATABASE_URL in the runner's environment must not leak in.
  const childEnv: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env };
  // AUTH_URL is the public URL; replicas behind one URL name another instance's there.
  const own = `http://127.0.0.1:${env.PORT}`;
  const baseUrl = base ?? (env.AUTH_URL && new URL(env.AUTH_URL).port === env.PORT ? env.AUTH_URL : own);
  const child = await spawnUntilReady({
    name,
    command: process.execPath,
    args: ["dist/server.mjs"],
    options: { cwd, env: childEnv },
    ready: () => fetch(`${baseUrl}/api/ready`).then((r) => r.ok),
    timeoutMs: 60_000,
    pollMs: 100,
  });
  return { name, baseUrl, pid: child.pid, output: child.output, stop: child.stop };
}
