import { describe, expect, it } from "vitest";
import { parsePath } from "./issue-path";
import { checkRulesText } from "./rules-check";

const ENV = { env: { alertmanagerUrl: null } };

const GOOD = `rules:
  - name: restart
    match:
      alertname: Down
    action:
      kind: webhook
      url: https://deploy.example/restart
    cooldown: 10m
    blast_radius: { max_actions: 3, window: 1h }
`;

describe("checkRulesText", () => {
  it("passes a good file and counts its rules", () => {
    expect(checkRulesText(GOOD, "rules.yml", ENV)).toEqual({ ok: true, rules: 1, problems: [] });
  });

  it("reports every rule and field problem at once, each on its line", () => {
    const text = `rules:
  - name: first
    match:
      alertname: Down
      labels: ['severity=~"("']
    action:
      kind: webhook
      url: https://deploy.example/restart
    cooldown: 10m
  - name: first
    match:
      alertname: Up
    action:
      kind: teleport
    cooldown: soon
    blast_radius: { max_actions: 3, window: 1h }
    colour: blue
`;
    const { ok, problems } = checkRulesText(text, "rules.yml", ENV);
    expect(ok).toBe(false);
    const at = (pattern: RegExp) => problems.find((p) => pattern.test(p.message))?.line;
    expect(at(/rules\[0\]\) blast_radius: required/)).toBe(2);
    expect(at(/rules\[0\]\) match\.labels\[0\]/)).toBe(5);
    expect(at(/rules\[1\]\) name: already used by rules\[0\]/)).toBe(10);
    expect(at(/rules\[1\]\) action\.kind: unknown kind "teleport"/)).toBe(14);
    expect(at(/rules\[1\]\) cooldown:/)).toBe(15);
    expect(at(/rules\[1\]\) colour: unknown field/)).toBe(17);
    expect(problems.map((p) => p.line)).toEqual([...problems.map((p) => p.line)].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it("reports every YAML syntax error, with its line, and duplicate keys beside the rule problems", () => {
    const broken = checkRulesText("rules:\n  - name: a\n    match: {alertname: X\n  - foo: [1\n", "rules.yml", ENV);
    expect(broken.ok).toBe(false);
    expect(broken.problems.length).toBeGreaterThanOrEqual(2);
    expect(broken.problems.every((p) => p.line !== null && p.message.startsWith("not valid YAML: "))).toBe(true);

    const dup = checkRulesText(GOOD.replace("    cooldown: 10m\n", "    cooldown: 10m\n    cooldown: 5m\n").replace("kind: webhook", "kind: nope"), "rules.yml", ENV);
    expect(dup.problems.map((p) => [p.line, p.message.replace(/:.*/, "")])).toEqual([
      [6, "rule 'restart' (rules[0]) action.kind"],
      [9, "not valid YAML"],
    ]);
  });

  it("names the line of a JSON syntax error", () => {
    const { problems } = checkRulesText('{"rules": [\n  {"name": "a",}\n]}', "rules.json", ENV);
    expect(problems[0]).toMatchObject({ line: 2 });
    expect(problems[0]?.message).toMatch(/^not valid JSON: /);
  });
});

describe("parsePath", () => {
  it("reads what formatPath writes", () => {
    expect(parsePath('alerts[0].labels["app.kubernetes.io/name"]')).toEqual(["alerts", 0, "labels", "app.kubernetes.io/name"]);
    expect(parsePath("(body)")).toEqual([]);
    expect(parsePath("action.url")).toEqual(["action", "url"]);
  });
});
