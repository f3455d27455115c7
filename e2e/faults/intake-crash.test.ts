import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startTarget } from "@/lib/testing/autoheal-target";
import { webhook, webhookRule } from "@/lib/testing/autoheal";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";
import { figure } from "./figures";

const ALERT_TOKEN = "e2e-faults-alertmanager-token-0123456789";
const RATE = 100; // alerts per second, one alert per POST, as the fault run of issue 20
const SECONDS_PER_PHASE = 2;

type Database = { name: string; settings: () => Promise<{ url?: string; dataDir?: string }> };
const drops: (() => Promise<void>)[] = [];
const databases: Database[] = [{ name: "PGlite", settings: async () => ({ dataDir: mkdtempSync(path.join(tmpdir(), "vigil-faults-")) }) }];
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) {
  databases.push({
    name: "PostgreSQL",
    settings: async () => {
      const db = await createPostgresDatabase(adminUrl);
      drops.push(db.drop);
      return { url: db.url };
    },
  });
}

/**
 * Sends one firing alert per POST at `RATE` a second for `seconds`, each for its own instance
 * (`host-<first + i>`), and resolves with the instances Vigil acknowledged (2xx). Requests
 * cut off by a crash are not acknowledged: Alertmanager would send them again.
 */
async function intake(baseUrl: string, first: number, seconds: number, during?: { at: number; run: () => Promise<unknown> }): Promise<string[]> {
  const acked: string[] = [];
  const sends: Promise<void>[] = [];
  const start = performance.now();
  const n = RATE * seconds;
  let fault: Promise<unknown> | undefined;
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (during && !fault && i >= during.at) fault = during.run();
    const instance = `host-${first + i}`;
    sends.push(
      fetch(`${baseUrl}/api/alert`, {
        method: "POST",
        headers: { authorization: `Bearer ${ALERT_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(webhook([{ labels: { alertname: "IntakeCrash", instance } }])),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.ok) acked.push(instance);
        },
        () => {},
      ),
    );
  }
  await Promise.all(sends);
  await fault;
  return acked;
}

afterAll(async () => {
  for (const drop of drops) await drop();
});

describe.each(databases)("kill -9 during alert intake on $name", (database) => {
  it(`loses no acknowledged alert and sends each remediation under one idempotency key (${RATE} alerts/s)`, { timeout: 120_000 }, async () => {
    const target = await startTarget((_req, _n, res) => res.writeHead(200).end("healed"));
    const dir = mkdtempSync(path.join(tmpdir(), "vigil-faults-rules-"));
    const rules = path.join(dir, "rules.yml");
    writeFileSync(rules, `rules:${webhookRule("heal-intake-crash", "IntakeCrash", target.url, { cooldown: "1h", max: 10_000, window: "1h" })}`);
    const settings = await database.settings();
    const env = (port: number) => ({
      ...productionEnv(port, settings),
      AUTOHEAL_RULES: rules,
      AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
      AUTOHEAL_DRY_RUN: "false",
      // Longer than the test: whatever runs again after the crash was taken back, not waited out.
      AUTOHEAL_LEASE_SECONDS: "600",
      RATE_LIMIT_API_PER_IP: "0",
    });
    let second: VigilProcess | undefined;
    try {
      const first = await startVigil(`intake-crash-${database.name}`, env(await freePort()));
      let killedAt = 0;
      const before = await intake(first.baseUrl, 0, SECONDS_PER_PHASE, {
        at: (RATE * SECONDS_PER_PHASE) / 2,
        run: async () => {
          killedAt = performance.now();
          return first.stop("SIGKILL");
        },
      });
      expect(await first.stop("SIGKILL")).toBeNull();

      second = await startVigil(`intake-crash-${database.name}-2`, env(await freePort()));
      const readyMs = performance.now() - killedAt;
      const after = await intake(second.baseUrl, RATE * SECONDS_PER_PHASE, SECONDS_PER_PHASE);
      const acked = [...before, ...after];

      // Every acknowledged alert is remediated: its instance's hook is called.
      const called = () => new Set(target.received.map((r) => r.url.replace("/hook/", "")));
      await expect.poll(() => acked.filter((i) => !called().has(i)).length, { timeout: 60_000 }).toBe(0);
      const drainedMs = performance.now() - killedAt;

      // A remediation sent twice (in flight at the kill) carries the same key both times.
      const keys = new Map<string, Set<string>>();
      for (const r of target.received) {
        const instance = r.url.replace("/hook/", "");
        keys.set(instance, (keys.get(instance) ?? new Set()).add(String(r.headers["idempotency-key"])));
      }
      for (const [, set] of keys) expect(set.size).toBe(1);
      const repeated = target.received.length - keys.size;

      figure(`kill -9 during intake (${database.name})`, {
        alerts_sent: 2 * RATE * SECONDS_PER_PHASE,
        acknowledged: acked.length,
        lost: acked.filter((i) => !called().has(i)).length,
        sent_twice_same_key: repeated,
        restart_ready_ms: Math.round(readyMs),
        all_remediated_after_kill_ms: Math.round(drainedMs),
      });
      expect(acked.length).toBeGreaterThan(RATE);
    } finally {
      await second?.stop();
      await target.close();
    }
  });
});
