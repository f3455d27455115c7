import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnUntilReady } from "./child";
import { freePort } from "./vigil-process";

export const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

export type StartedAlertmanager = {
  url: string;
  pid: number | undefined;
  output: () => string;
  stop: () => Promise<void>;
};

/**
 * Runs Debian's Alertmanager (0.25) on 127.0.0.1 with a fresh storage directory (silences
 * and the notification log persist) and no cluster listener. Groups wait 1 s, so a new alert
 * reaches `receiverUrl` in about a second; resolved alerts are sent too. Alertmanager sends
 * `bearerToken` or `basicAuth` with every webhook, as a production Alertmanager would.
 */
export async function startAlertmanager(
  opts: { receiverUrl?: string; bearerToken?: string; basicAuth?: { username: string; password: string }; port?: number } = {},
): Promise<StartedAlertmanager> {
  if (!existsSync(ALERTMANAGER)) {
    throw new Error(
      `Alertmanager not found at ${ALERTMANAGER}. Install it (see /work/shared/PEERS.md): ` +
        "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && " +
        "apt-get update && apt-get install -y prometheus-alertmanager — or set ALERTMANAGER_BIN.",
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-alertmanager-"));
  // A fixed port when a test stops Alertmanager and starts it again where Vigil expects it.
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;

  const httpConfig = opts.bearerToken
    ? { authorization: { type: "Bearer", credentials: opts.bearerToken } }
    : opts.basicAuth
      ? { basic_auth: opts.basicAuth }
      : undefined;
  const receiver = opts.receiverUrl
    ? { name: "vigil", webhook_configs: [{ url: opts.receiverUrl, send_resolved: true, ...(httpConfig ? { http_config: httpConfig } : {}) }] }
    : { name: "vigil" };
  // JSON is YAML: no YAML writer needed, and no quoting surprises in URLs or secrets.
  const config = {
    route: { receiver: "vigil", group_by: ["alertname"], group_wait: "1s", group_interval: "1s", repeat_interval: "1h" },
    receivers: [receiver],
  };
  writeFileSync(path.join(dir, "alertmanager.yml"), JSON.stringify(config, null, 2));

  const child = await spawnUntilReady({
    name: "alertmanager",
    command: ALERTMANAGER,
    args: [
      `--config.file=${path.join(dir, "alertmanager.yml")}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      `--web.external-url=${url}`,
      "--log.level=warn",
    ],
    ready: async () => (await fetch(`${url}/-/ready`)).ok,
    timeoutMs: 15_000,
    pollMs: 25,
  });
  return {
    url,
    pid: child.pid,
    output: child.output,
    stop: async () => {
      await child.stop("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PostedAlert = {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
};

/** POST /api/v2/alerts, as Prometheus would. */
export async function postAlerts(alertmanagerUrl: string, alerts: PostedAlert[]): Promise<void> {
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(alerts),
  });
  if (!response.ok) throw new Error(`Alertmanager refused alerts: ${response.status} ${await response.text()}`);
}

/** The state Alertmanager holds for alerts matching `filter` (matcher strings): active, suppressed... */
export async function alertStates(alertmanagerUrl: string, filter: string[]): Promise<string[]> {
  const query = filter.map((f) => `filter=${encodeURIComponent(f)}`).join("&");
  const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?${query}`);
  const alerts = (await response.json()) as { status: { state: string } }[];
  return alerts.map((a) => a.status.state);
}
