import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnUntilReady } from "./child";
import { freePort } from "./vigil-process";

export const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

export type StartedPrometheus = { url: string; query: (expr: string) => Promise<unknown[]>; stop: () => Promise<void> };

/**
 * Debian's Prometheus (2.42) on 127.0.0.1, scraping one Vigil every second with its metrics
 * token, loading `ruleFiles` as a production Prometheus would.
 */
export async function startPrometheus(opts: { target: string; bearerToken?: string; ruleFiles?: string[] }): Promise<StartedPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-prometheus-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: [
      {
        job_name: "vigil",
        static_configs: [{ targets: [new URL(opts.target).host] }],
        ...(opts.bearerToken ? { authorization: { type: "Bearer", credentials: opts.bearerToken } } : {}),
      },
    ],
  };
  // JSON is YAML: no YAML writer, no quoting surprises in tokens.
  writeFileSync(path.join(dir, "prometheus.yml"), JSON.stringify(config, null, 2));
  const child = await spawnUntilReady({
    name: "prometheus",
    command: PROMETHEUS,
    args: [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    ready: async () => (await fetch(`${url}/-/ready`)).ok,
    timeoutMs: 20_000,
  });
  return {
    url,
    query: async (expr) => {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
      if (body.status !== "success") throw new Error(`Prometheus refused ${expr}: ${body.error}`);
      return body.data?.result ?? [];
    },
    stop: async () => {
      await child.stop("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
