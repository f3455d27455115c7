import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RulesError } from "./errors";
import { firingAlert } from "@/lib/testing/autoheal-target";
import { isDryRun, loadRulesFile, matchingRules, parseRules, type RuleLoadOptions } from "./rules";

const ENV = { env: { alertmanagerUrl: "http://127.0.0.1:9093" } };
const EXAMPLE = path.resolve(import.meta.dirname, "../../deploy/autoheal/rules.example.yml");

const firing = () => firingAlert();

const GOOD = {
  name: "restart-web",
  match: { alertname: "TcpEndpointDownFast", labels: ['severity="critical"'] },
  action: { kind: "webhook", url: "https://deploy.example/restart/{{ labels.service }}" },
  cooldown: "5m",
  blast_radius: { max_actions: 5, window: "10m" },
};

function problemsOf(rules: unknown[], env: RuleLoadOptions = ENV): string[] {
  try {
    parseRules(JSON.stringify({ rules }), "rules.json", env);
  } catch (error) {
    if (error instanceof RulesError) return error.problems;
    throw error;
  }
  return [];
}

describe("rules files", () => {
  it("shows action targets without their secrets: query values under secret names and URL passwords (issue 19)", () => {
    const set = parseRules(
      JSON.stringify({
        rules: [
          { ...GOOD, action: { kind: "webhook", url: "https://hooks.example/restart/{{ labels.service }}?api_key=k-123&service=web" } },
          { ...GOOD, name: "silence", action: { kind: "alertmanager_silence", duration: "15m", alertmanager_url: "https://am:am-pass@alertmanager.example:9093" } },
        ],
      }),
      "rules.json",
      ENV,
    );
    const targets = set.rules.map((r) => r.action.target ?? "");
    expect(targets.join(" ")).not.toMatch(/hook-pass|k-123|am-pass/);
    expect(targets[0]).toBe("POST https://hooks.example/restart/{{ labels.service }}?api_key=[redacted]&service=web");
    expect(targets[1]).toBe("silence 15m in https://am:[redacted]@alertmanager.example:9093");
  });

  it("loads the shipped example, YAML, and plans its actions", async () => {
    const set = await loadRulesFile(EXAMPLE, ENV);
    expect(set.rules.map((r) => r.name)).toEqual(["restart-checkout", "silence-checkout-while-restarting"]);
    const [restart, silence] = set.rules;
    expect(restart).toMatchObject({ cooldownMs: 600_000, blastRadius: { maxActions: 3, windowMs: 3_600_000 }, dryRun: false });
    expect(silence?.dryRun).toBe(true);
    // What the console's rules table shows: templates as written, no alert rendered in.
    expect(restart?.action.target).toBe("POST https://deploy.internal.example/api/restart/{{ labels.service }}");
    expect(silence?.action.target).toBe("silence 15m in http://127.0.0.1:9093");
    const plan = restart?.action.plan({ alert: firing(), rule: "restart-checkout", now: new Date() });
    expect(plan?.request.url).toBe("https://deploy.internal.example/api/restart/checkout");
    expect(JSON.parse(plan?.request.body ?? "")).toEqual({
      service: "checkout",
      instance: "host-1",
      reason: "Endpoint checkout:443 down",
      alert: "d5db401eb9dec650",
    });
  });

  it("reads the same rules from JSON and from YAML", () => {
    const fromJson = parseRules(JSON.stringify({ rules: [GOOD] }), "inline", ENV);
    const yaml = `rules:
  - name: restart-web
    match: { alertname: TcpEndpointDownFast, labels: ['severity="critical"'] }
    action: { kind: webhook, url: "https://deploy.example/restart/{{ labels.service }}" }
    cooldown: 5m
    blast_radius: { max_actions: 5, window: 10m }
`;
    const fromYaml = parseRules(yaml, "rules.yml", ENV);
    const strip = (s: typeof fromJson) => s.rules.map(({ action, matchers, ...rest }) => ({ ...rest, kind: action.kind, matchers: matchers.length }));
    expect(strip(fromYaml)).toEqual(strip(fromJson));
  });

  it("reports syntax errors with their place, and unreadable files by code", async () => {
    expect(() => parseRules("rules:\n  - name: a\n    name: b\n", "dup.yml", ENV)).toThrow(/not valid YAML: Map keys must be unique/);
    expect(() => parseRules('{"rules": [', "x.json", ENV)).toThrow(/not valid JSON/);
    const dir = mkdtempSync(path.join(tmpdir(), "vigil-rules-"));
    await expect(loadRulesFile(path.join(dir, "missing.yml"), ENV)).rejects.toThrow(/cannot read the file: ENOENT/);
    // An empty file is more likely a failed mount than a wish for no rules: say so.
    writeFileSync(path.join(dir, "empty.yml"), "");
    await expect(loadRulesFile(path.join(dir, "empty.yml"), ENV)).rejects.toThrow(/rules: required/);
    writeFileSync(path.join(dir, "none.yml"), "rules: []\n");
    expect((await loadRulesFile(path.join(dir, "none.yml"), ENV)).rules).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["bad url", { action: { kind: "webhook", url: "ftp://x" } }, "rule 'restart-web' (rules[1]) action.url: must be an http(s) URL"],
    [
      "templated host",
      { action: { kind: "webhook", url: "https://{{ labels.instance }}/restart" } },
      "rule 'restart-web' (rules[1]) action.url: the scheme, host and port cannot be templated; use {{ }} in the path or query",
    ],
    [
      "unknown template name",
      { action: { kind: "webhook", url: "https://x.example/{{ labels.service }}", body: "{{ secret }}" } },
      'rule \'restart-web\' (rules[1]) action.body: unknown template name "{{ secret }}"; use alertname, status, fingerprint, startsAt, generatorURL, rule, labels.NAME or annotations.NAME',
    ],
    ["misspelt action field", { action: { kind: "webhook", url: "https://x.example", retires: 3 } }, "rule 'restart-web' (rules[1]) action.retires: unknown field"],
    ["unknown kind", { action: { kind: "reboot" } }, 'rule \'restart-web\' (rules[1]) action.kind: unknown kind "reboot"; use one of webhook, alertmanager_silence'],
    [
      "bad regex",
      { match: { alertname: "X", labels: ["instance=~web-("] } },
      'rule \'restart-web\' (rules[1]) match.labels[0]: regex "web-(" is invalid: /^(?:web-()$/: Unterminated group',
    ],
    ["bad cooldown", { cooldown: "5 minutes" }, 'rule \'restart-web\' (rules[1]) cooldown: "5 minutes" is not a duration; use e.g. 30s, 5m, 1h30m'],
    [
      "missing cooldown",
      { cooldown: undefined },
      "rule 'restart-web' (rules[1]) cooldown: required (e.g. 10m): every remediation states how often it may repeat",
    ],
    ["missing alertname", { match: { labels: [] } }, "rule 'restart-web' (rules[1]) match.alertname: required"],
    ["GET with a body", { action: { kind: "webhook", method: "GET", url: "https://x.example", body: "x" } }, "rule 'restart-web' (rules[1]) action.body: a GET request carries no body"],
    ["zero blast radius", { blast_radius: { max_actions: 0, window: "1h" } }, "rule 'restart-web' (rules[1]) blast_radius.max_actions: Too small: expected number to be >=1"],
    ["reserved header", { action: { kind: "webhook", url: "https://x.example", headers: { Host: "evil" } } }, "rule 'restart-web' (rules[1]) action.headers.Host: is set by Vigil itself"],
  ])("names the rule and the field: %s", (_, change, expected) => {
    const broken = JSON.parse(JSON.stringify({ ...GOOD, ...change })) as unknown;
    expect(problemsOf([{ ...GOOD, name: "ok-rule" }, broken])).toContain(expected);
  });

  it("names rules without a usable name by position, and duplicate names", () => {
    expect(problemsOf([GOOD, { ...GOOD, name: "bad name!" }, GOOD])).toEqual([
      "rules[1] name: must be 1-64 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit)",
      "rule 'restart-web' (rules[2]) name: already used by rules[0]",
    ]);
    expect(problemsOf(["just a string"])).toEqual(expect.arrayContaining([expect.stringMatching(/^rules\[0\] \(rule\): /)]));
  });

  it("refuses a silence rule when no Alertmanager is configured", () => {
    const silence = { ...GOOD, action: { kind: "alertmanager_silence", duration: "1h" } };
    expect(problemsOf([silence], { env: { alertmanagerUrl: null } })).toEqual([
      "rule 'restart-web' (rules[0]) action.alertmanager_url: no Alertmanager to silence in: set ALERTMANAGER_URL or action.alertmanager_url",
    ]);
    expect(problemsOf([{ ...silence, action: { ...silence.action, alertmanager_url: "http://am:9093" } }], { env: { alertmanagerUrl: null } })).toEqual([]);
  });

  it("collects every problem of the file at once", () => {
    const problems = problemsOf([{ ...GOOD, cooldown: "x" }, { ...GOOD, name: "b", action: { kind: "webhook" } }]);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toBe("rule 'b' (rules[1]) action.url: required");
  });
});

describe("matchingRules", () => {
  const set = parseRules(
    JSON.stringify({
      rules: [
        GOOD,
        { ...GOOD, name: "only-dev", match: { alertname: "TcpEndpointDownFast", labels: ["env=dev"] } },
        { ...GOOD, name: "no-env", match: { alertname: "TcpEndpointDownFast", labels: ["env!=dev", "instance=~host-.*"] } },
        { ...GOOD, name: "other-alert", match: { alertname: "HighCPU" } },
      ],
    }),
    "inline",
    ENV,
  );

  it("picks every rule whose matchers all hold, in file order", () => {
    expect(matchingRules(set, firing()).map((r) => r.name)).toEqual(["restart-web", "no-env"]);
  });

  it("ignores resolved alerts", () => {
    expect(matchingRules(set, { ...firing(), status: "resolved" })).toEqual([]);
  });

  it("stays dry when Vigil is dry, whatever the rule says", () => {
    expect(isDryRun({ dryRun: false }, true)).toBe(true);
    expect(isDryRun({ dryRun: true }, false)).toBe(true);
    expect(isDryRun({ dryRun: false }, false)).toBe(false);
  });
});
