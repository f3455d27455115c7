import type { FieldProblem } from "@/lib/errors";
import { issuesToProblems } from "../issue-path";
import { alertmanagerSilenceAction } from "./alertmanager-silence";
import type { ActionEnv, ActionKind, ActionPlan, ActionResult, ConfiguredAction, ExecuteContext } from "./types";
import { webhookAction } from "./webhook";

/** An action kind with its configuration type closed over, so kinds can share one map. */
export type RegisteredAction = {
  readonly kind: string;
  configure(raw: unknown, env: ActionEnv): { ok: true; action: ConfiguredAction } | { ok: false; problems: FieldProblem[] };
  execute(plan: ActionPlan, ctx: ExecuteContext): Promise<ActionResult>;
};

export type ActionRegistry = ReadonlyMap<string, RegisteredAction>;

export function registerAction<C>(def: ActionKind<C>): RegisteredAction {
  return {
    kind: def.kind,
    configure(raw, env) {
      const parsed = def.config.safeParse(raw);
      if (!parsed.success) return { ok: false, problems: issuesToProblems(parsed.error.issues) };
      const config = parsed.data;
      const problems = def.check?.(config, env) ?? [];
      if (problems.length > 0) return { ok: false, problems };
      const target = def.target?.(config, env);
      return { ok: true, action: { kind: def.kind, ...(target ? { target } : {}), plan: (input) => def.plan(config, input, env) } };
    },
    execute: (plan, ctx) => def.execute(plan, ctx),
  };
}

export function createRegistry(kinds: readonly RegisteredAction[]): ActionRegistry {
  return new Map(kinds.map((k) => [k.kind, k]));
}

/** The kinds a rules file may name. A new kind is one more entry here. */
export const BUILTIN_ACTIONS: ActionRegistry = createRegistry([
  registerAction(webhookAction),
  registerAction(alertmanagerSilenceAction),
]);

/**
 * Runs a plan with the kind that made it. A plan naming a kind this build does not know
 * (a job queued by a newer version) fails as a result, not an exception.
 */
export async function executePlan(
  plan: ActionPlan,
  ctx: ExecuteContext,
  registry: ActionRegistry = BUILTIN_ACTIONS,
): Promise<ActionResult> {
  const kind = registry.get(plan.kind);
  if (!kind) return { ok: false, status: null, durationMs: 0, attempts: 0, error: `unknown action kind "${plan.kind}"` };
  return kind.execute(plan, ctx);
}
