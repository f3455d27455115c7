import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";
import { loadRulesFile, type RuleSet } from "./rules";

const slot = () => processSingleton("autoheal-rules", (): { rules?: RuleSet } => ({}));

const EMPTY: RuleSet = { source: "(no AUTOHEAL_RULES)", rules: [] };

/**
 * Loads AUTOHEAL_RULES once at start. A bad file stops the start with every problem named
 * by rule and field (RulesError): a remediation engine running half its rules is worse than
 * one that refuses to run.
 */
export async function loadConfiguredRules(): Promise<RuleSet> {
  const { rulesPath, alertmanagerUrl } = getConfig().autoheal;
  const set = rulesPath ? await loadRulesFile(rulesPath, { env: { alertmanagerUrl } }) : EMPTY;
  slot().rules = set;
  return set;
}

/** The rules in force (empty until loaded, and when AUTOHEAL_RULES is unset). */
export function currentRules(): RuleSet {
  return slot().rules ?? EMPTY;
}

/** Tests install a rule set directly. */
export function setRules(set: RuleSet): void {
  slot().rules = set;
}
