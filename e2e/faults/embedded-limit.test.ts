import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, productionEnv, startVigil } from "../support/vigil-process";
import { figure } from "./figures";

/**
 * Issue 18 §6: the embedded database has a limit under alerts (about 40 alerts/s on 2 cores,
 * bench "alerts-embedded"). Past it nothing is lost — every webhook is answered 200 once its
 * alert is stored — but answers slow down, and Vigil says so in its log, naming the way out.
 */
const TOKEN = "e2e-embedded-alert-token-0123456789";

describe("alerts past the embedded database's limit", () => {
  it("answers every webhook 200 and warns once, naming DATABASE_URL and PostgreSQL", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vigil-embedded-limit-"));
    const rules = path.join(dir, "rules.yml");
    writeFileSync(rules, `rules:\n  - name: restart\n    match: { alertname: EmbeddedBurst }\n    action: { kind: webhook, url: "http://127.0.0.1:9/restart/{{ labels.instance }}", retries: 0, timeout_ms: 1000 }\n    cooldown: 1h\n    blast_radius: { max_actions: 10000, window: 1h }\n`);
    const port = await freePort();
    const vigil = await startVigil("embedded-limit", { ...productionEnv(port, { dataDir: path.join(dir, "data") }), AUTOHEAL_RULES: rules, AUTOHEAL_ALERT_TOKEN: TOKEN });
    try {
      // A burst well past ~40 alerts/s: 300 webhooks at once, one new alert each.
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          fetch(`${vigil.baseUrl}/api/alert`, {
            method: "POST",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({
              version: "4",
              status: "firing",
              receiver: "vigil",
              groupKey: "{}:{alertname=\"EmbeddedBurst\"}",
              alerts: [{ status: "firing", labels: { alertname: "EmbeddedBurst", instance: `db-${i}` }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: (0xb0000000 + i).toString(16).padStart(16, "0") }],
            }),
          }).then((r) => r.status),
        ),
      );
      figure("embedded database, 300 webhooks at once", { seconds: Number(((performance.now() - started) / 1000).toFixed(1)) });
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const warnings = vigil
        .output()
        .split("\n")
        .filter((line) => line.includes("the embedded database is not keeping up with alerts"));
      // Once a minute at most, however many intakes were slow.
      expect(warnings, vigil.output().slice(-3000)).toHaveLength(1);
      const line = JSON.parse(warnings[0] ?? "{}") as { level: number; msg: string; limit_alerts_per_second: number; busy: number };
      expect(line.level).toBe(40);
      expect(line.msg).toContain("set DATABASE_URL to PostgreSQL");
      expect(line.limit_alerts_per_second).toBe(40);
      expect(line.busy).toBeGreaterThanOrEqual(0.9);
    } finally {
      await vigil.stop();
    }
  });
});
