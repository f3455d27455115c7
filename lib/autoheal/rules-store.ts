import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";
import { readFile } from "node:fs/promises";
import { RulesError } from "./errors";
import { loadRulesFile, type RuleLoadOptions, type RuleSet } from "./rules";
import { checkRulesText } from "./rules-check";

const slot = () => processSingleton("autoheal-rules", (): { rules?: RuleSet } => ({}));

const EMPTY: RuleSet = { source: "(no AUTOHEAL_RULES)", rules: [] };

/**
 * Loads AUTOHEAL_RULES once at start. A bad file stops the start with every problem named
 * by rule and field (RulesError): a remediation engine running half its rules is worse than
 * one that refuses to run.
 */
export async function loadConfiguredRules(): Promise<RuleSet> {
  const { rulesPath, alertmanagerUrl } = getConfig().autoheal;
  const opts = { env: { alertmanagerUrl } };
  const set = rulesPath ? await loadRulesFile(rulesPath, opts).catch((error: unknown) => withLines(error, rulesPath, opts)) : EMPTY;
  slot().rules = set;
  return set;
}

/**
 * A refused file, told again with each problem's line (the check `vigil rules check` runs):
 * every YAML error and every rule problem at once, so one edit can fix them all.
 */
async function withLines(error: unknown, file: string, opts: RuleLoadOptions): Promise<never> {
  if (!(error instanceof RulesError)) throw error;
  const text = await readFile(file, "utf8").catch(() => null);
  const check = text === null ? null : checkRulesText(text, file, opts);
  if (!check || check.ok || check.problems.length === 0) throw error;
  throw new RulesError(
    file,
    check.problems.map((p) => (p.line === null ? p.message : `line ${p.line}: ${p.message}`)),
  );
}

/** The rules in force (empty until loaded, and when AUTOHEAL_RULES is unset). */
export function currentRules(): RuleSet {
  return slot().rules ?? EMPTY;
}

/** Tests install a rule set directly. */
export function setRules(set: RuleSet): void {
  slot().rules = set;
}
