import { z } from "zod";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { checkPolicies, type PolicyProblem } from "./engine";
import { MAX_POLICIES, MAX_POLICY_BYTES } from "./store";

export const policyValidationInput = z.strictObject({ text: z.string().max(MAX_POLICY_BYTES) });

/**
 * Checks a draft against Vigil's schema without saving it: the console's editor asks as the
 * operator types and marks each problem at its line and column. A draft with problems is an
 * answer (200), not an error: the question was "is this valid?".
 */
export async function validatePolicyText(ctx: VerbCtx, raw: unknown): Promise<{ valid: true; policies: string[] } | { valid: false; problems: PolicyProblem[] }> {
  requireScope(ctx.actor, "audit:read");
  const { text } = parseInput(policyValidationInput, raw);
  const checked = checkPolicies(text);
  if (!checked.ok) return { valid: false, problems: checked.problems };
  if (checked.parsed.ids.length > MAX_POLICIES) {
    return { valid: false, problems: [{ message: `a policy set holds at most ${MAX_POLICIES} policies; this one has ${checked.parsed.ids.length}`, line: 1, column: 1 }] };
  }
  return { valid: true, policies: checked.parsed.ids };
}
