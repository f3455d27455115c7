import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import YAML from "yaml";
import { ROOT } from "../support/vigil-process";

const FILE = path.join(ROOT, "deploy/prometheus/vigil-alerts.yml");
type RuleFile = { groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[] };

describe("deploy/prometheus/vigil-alerts.yml", () => {
  const rules = (YAML.parse(readFileSync(FILE, "utf8")) as RuleFile).groups.flatMap((g) => g.rules);

  it("passes promtool check rules", () => {
    const check = spawnSync("promtool", ["check", "rules", FILE], { encoding: "utf8" });
    expect(check.error, "promtool must be installed (apt-get install prometheus)").toBeUndefined();
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain("SUCCESS: 6 rules found");
  });

  it("fires the DPoP alert above 5 % refused proofs held for 5 minutes and the policy alert on a jump in refusals, and neither below (promtool test rules)", () => {
    const test = spawnSync("promtool", ["test", "rules", path.join(ROOT, "deploy/prometheus/vigil-alerts.test.yml")], { encoding: "utf8" });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain("SUCCESS");
  });

  it("has the four autoheal SLO alerts, the DPoP one and the policy one, each with a runbook that exists in the README", () => {
    expect(rules.map((r) => r.alert)).toEqual(["AutohealServiceDown", "AutohealHeartbeatSLOBreach", "AutohealFailureRateSLOBreach", "AutohealAuditWriteLatencySLOBreach", "DpopInvalidProofRateHigh", "PolicyDenyRateJump"]);
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const r of rules) {
      const anchor = /#(runbook-[a-z]+)$/.exec(r.annotations.runbook_url ?? "")?.[1];
      expect(anchor, r.alert).toBe(`runbook-${r.alert.toLowerCase()}`);
      expect(readme, `README heading for ${r.alert}`).toContain(`<a id="${anchor}"></a>`);
    }
  });

  it.each(inject("servers"))("reads only metrics that Vigil on $name exports", async ({ baseUrl }) => {
    const exposition = await (await fetch(`${baseUrl}/metrics`)).text();
    const names = new Set(rules.flatMap((r) => r.expr.match(/(autoheal|vigil)_[a-z_]+/g) ?? []));
    expect(names.size).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const family = name.replace(/_(bucket|sum|count)$/, "");
      expect(exposition, name).toContain(`# TYPE ${family} `);
    }
  });
});
