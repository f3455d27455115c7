import { readFile } from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import type { FieldProblem } from "@/lib/errors";
import type { Alert } from "./alertmanager-payload";
import { BUILTIN_ACTIONS, type ActionRegistry } from "./actions/registry";
import type { ActionEnv, ConfiguredAction } from "./actions/types";
import { durationField } from "./duration";
import { MatcherError, RulesError } from "./errors";
import { formatPath, issuesToProblems, mustBe, parsePath } from "./issue-path";
import { allMatch, parseMatcher, type Matcher } from "./matcher";

/**
 * The rules file (AUTOHEAL_RULES), YAML or JSON. deploy/autoheal/rules.example.yml is a
 * complete example.
 *
 *   rules:
 *     - name: restart-checkout            # unique; [A-Za-z0-9._-], up to 64
 *       match:
 *         alertname: TcpEndpointDownFast  # required: a remediation is tied to a known alert
 *         labels:                         # optional Alertmanager matchers, all must hold
 *           - severity="critical"
 *           - instance=~"web-.*"
 *           - env!=dev
 *       action:
 *         kind: webhook                   # or alertmanager_silence; see actions/*.ts
 *         url: https://deploy.internal/restart/{{ labels.service }}
 *       cooldown: 10m                     # required: no second action for the same alert sooner
 *       blast_radius:                     # required: at most max_actions by this rule per window
 *         max_actions: 5
 *         window: 1h
 *       dry_run: true                     # optional: keep this rule dry even when AUTOHEAL_DRY_RUN=false
 *
 * Cooldown and blast radius have no defaults on purpose: every remediation states its pace.
 * Only firing alerts trigger rules; every rule that matches acts, in file order.
 */
export type Rule = {
  name: string;
  /** Position in the file, for messages ("rules[2]"). */
  index: number;
  alertname: string;
  /** alertname="..." first, then match.labels in file order. */
  matchers: Matcher[];
  action: ConfiguredAction;
  cooldownMs: number;
  blastRadius: { maxActions: number; windowMs: number };
  /** true keeps the rule dry whatever AUTOHEAL_DRY_RUN says; a rule cannot force live actions. */
  dryRun: boolean;
};

export type RuleSet = { source: string; rules: Rule[] };

export type RuleLoadOptions = { env: ActionEnv; registry?: ActionRegistry };

export const MAX_RULES = 500;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const fileSchema = z.strictObject({
  rules: z.array(z.unknown(), { error: mustBe("a list of rules") }).max(MAX_RULES, `more than ${MAX_RULES} rules`),
});

const ruleSchema = z.strictObject({
  name: z.string({ error: mustBe("a string") }).regex(NAME, "must be 1-64 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit)"),
  match: z.strictObject(
    {
      alertname: z.string({ error: mustBe("a string") }).min(1, "required"),
      labels: z.array(z.string({ error: mustBe('a matcher string such as severity="critical"') })).max(50).default([]),
    },
    { error: mustBe("a mapping: { alertname: ..., labels: [...] }") },
  ),
  action: z.looseObject({ kind: z.string({ error: mustBe("a string") }) }, { error: mustBe("a mapping: { kind: ..., ... }") }),
  cooldown: durationField({ min: 0, max: 7 * 86_400_000 }).optional(),
  blast_radius: z
    .strictObject(
      {
        max_actions: z.number({ error: mustBe("a whole number") }).int().min(1).max(10_000),
        window: durationField({ min: 1000, max: 7 * 86_400_000 }),
      },
      { error: mustBe("a mapping: { max_actions: N, window: 10m }") },
    )
    .optional(),
  dry_run: z.boolean({ error: mustBe("true or false") }).default(false),
});

/** Reads AUTOHEAL_RULES. Throws RulesError naming every problem, or the YAML/JSON syntax error. */
export async function loadRulesFile(file: string, opts: RuleLoadOptions): Promise<RuleSet> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new RulesError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseRules(text, file, opts);
}

/** `source` names the text in messages; a .json name (or text opening with { or [) is read as JSON. */
export function parseRules(text: string, source: string, opts: RuleLoadOptions): RuleSet {
  const json = path.extname(source).toLowerCase() === ".json" || /^\s*[{[]/.test(text);
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : YAML.parse(text, { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true });
  } catch (error) {
    throw new RulesError(source, [`not valid ${json ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0] ?? ""}`]);
  }
  return validateRules(raw, source, opts);
}

/** Checks an already-decoded rules document; every problem names the rule and the field. */
export function validateRules(raw: unknown, source: string, opts: RuleLoadOptions): RuleSet {
  const registry = opts.registry ?? BUILTIN_ACTIONS;
  const file = fileSchema.safeParse(raw ?? {});
  if (!file.success) {
    const found = issuesToProblems(file.error.issues);
    throw new RulesError(source, found.map((p) => `${p.path}: ${p.message}`), found.map((p) => parsePath(p.path)));
  }

  const problems: string[] = [];
  // Where each problem is, so `vigil rules check` can name its line.
  const paths: (string | number)[][] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  file.data.rules.forEach((entry, index) => {
    const name = nameOf(entry);
    const where = name ? `rule '${name}' (rules[${index}])` : `rules[${index}]`;
    const say = (list: FieldProblem[]) => {
      problems.push(...list.map((p) => `${where} ${p.path}: ${p.message}`));
      paths.push(...list.map((p) => ["rules", index, ...parsePath(p.path)]));
    };

    if (name) {
      const first = seen.get(name);
      if (first !== undefined) say([{ path: "name", message: `already used by rules[${first}]` }]);
      else seen.set(name, index);
    }
    const rule = buildRule(entry, index, opts.env, registry);
    if (rule.ok) rules.push(rule.rule);
    else say(rule.problems);
  });
  if (problems.length > 0) throw new RulesError(source, problems, paths);
  return { source, rules };
}

/** The rules a firing alert triggers, in file order. Resolved alerts trigger nothing. */
export function matchingRules(ruleSet: RuleSet, alert: Alert): Rule[] {
  if (alert.status !== "firing") return [];
  return ruleSet.rules.filter((rule) => allMatch(rule.matchers, alert.labels));
}

/** Canary first: a run is dry when Vigil is (AUTOHEAL_DRY_RUN) or the rule asks to be. */
export function isDryRun(rule: Pick<Rule, "dryRun">, globalDryRun: boolean): boolean {
  return globalDryRun || rule.dryRun;
}

function buildRule(
  entry: unknown,
  index: number,
  env: ActionEnv,
  registry: ActionRegistry,
): { ok: true; rule: Rule } | { ok: false; problems: FieldProblem[] } {
  const parsed = ruleSchema.safeParse(entry);
  if (!parsed.success) {
    // A rule that is not even an object has no fields to name.
    const problems = issuesToProblems(parsed.error.issues).map((p) => (p.path === "(body)" ? { ...p, path: "(rule)" } : p));
    // The parts the schema found no fault with are still checked: one run names every problem.
    const faulty = (field: string) => parsed.error.issues.some((i) => i.path[0] === field || (i.code === "unrecognized_keys" && i.path.length === 0 && i.keys.includes(field)));
    const parts = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>) : {};
    const match = ruleSchema.shape.match.safeParse(parts.match);
    if (!faulty("match") && match.success) problems.push(...checkMatchers(match.data.labels).problems);
    const action = ruleSchema.shape.action.safeParse(parts.action);
    if (!faulty("action") && action.success) problems.push(...configureAction(action.data, env, registry).problems);
    return { ok: false, problems: [...problems, ...missingLimits(entry)] };
  }
  const r = parsed.data;
  const problems: FieldProblem[] = missingLimits(entry);

  const checked = checkMatchers(r.match.labels);
  problems.push(...checked.problems);
  const matchers: Matcher[] = [parseMatcher(`alertname=${quote(r.match.alertname)}`), ...checked.matchers];

  const configured = configureAction(r.action, env, registry);
  problems.push(...configured.problems);
  const action = configured.action;

  if (problems.length > 0 || !action || r.cooldown === undefined || !r.blast_radius) return { ok: false, problems };
  return {
    ok: true,
    rule: {
      name: r.name,
      index,
      alertname: r.match.alertname,
      matchers,
      action,
      cooldownMs: r.cooldown,
      blastRadius: { maxActions: r.blast_radius.max_actions, windowMs: r.blast_radius.window },
      dryRun: r.dry_run,
    },
  };
}

function checkMatchers(labels: string[]): { matchers: Matcher[]; problems: FieldProblem[] } {
  const matchers: Matcher[] = [];
  const problems: FieldProblem[] = [];
  labels.forEach((text, i) => {
    try {
      matchers.push(parseMatcher(text));
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      problems.push({ path: formatPath(["match", "labels", i]), message: error.message });
    }
  });
  return { matchers, problems };
}

function configureAction(raw: { kind: string } & Record<string, unknown>, env: ActionEnv, registry: ActionRegistry): { action: ConfiguredAction | null; problems: FieldProblem[] } {
  const { kind, ...actionConfig } = raw;
  const registered = registry.get(kind);
  if (!registered) return { action: null, problems: [{ path: "action.kind", message: `unknown kind "${kind}"; use one of ${[...registry.keys()].join(", ")}` }] };
  const configured = registered.configure(actionConfig, env);
  if (configured.ok) return { action: configured.action, problems: [] };
  return { action: null, problems: configured.problems.map((p) => ({ path: p.path === "(body)" ? "action" : `action.${p.path}`, message: p.message })) };
}

// Named separately from the schema so the message can say why there is no default.
function missingLimits(entry: unknown): FieldProblem[] {
  if (typeof entry !== "object" || entry === null) return [];
  const problems: FieldProblem[] = [];
  if (!("cooldown" in entry)) problems.push({ path: "cooldown", message: "required (e.g. 10m): every remediation states how often it may repeat" });
  if (!("blast_radius" in entry)) {
    problems.push({ path: "blast_radius", message: "required (e.g. { max_actions: 5, window: 1h }): every remediation states its limit" });
  }
  return problems;
}

function nameOf(entry: unknown): string | null {
  if (typeof entry !== "object" || entry === null || !("name" in entry)) return null;
  return typeof entry.name === "string" && NAME.test(entry.name) ? entry.name : null;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
