import type { z } from "zod";
import type { FieldProblem } from "@/lib/errors";
import type { Alert } from "../alertmanager-payload";

/**
 * The exact HTTP request an action sends. A dry run records this (through redactPlan) as
 * "what would have been sent"; a live run sends this and nothing else. Plain JSON, so it can
 * sit in an audit row or a job.
 */
export type PlannedRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
};

/** How a plan is delivered. successStatus null means any 2xx. */
export type Delivery = {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  successStatus: number[] | null;
};

export type ActionPlan = {
  kind: string;
  rule: string;
  /** One line for people: "POST https://deploy.internal/restart", "silence 2h on alertname=..." */
  summary: string;
  request: PlannedRequest;
  delivery: Delivery;
};

export type ActionResult = {
  ok: boolean;
  /** The last HTTP status seen; null when no response came (refused, timed out, aborted). */
  status: number | null;
  /** From the first attempt to the last answer, backoff included. */
  durationMs: number;
  attempts: number;
  error?: string;
  /** Facts the action learnt, e.g. { silenceId } from Alertmanager. */
  detail?: Record<string, string>;
};

/** Deployment settings an action may need; bound when the rules load. */
export type ActionEnv = { alertmanagerUrl: string | null };

/** `job`: the job the plan is for (absent for previews), named where a target can see it. */
export type PlanInput = { alert: Alert; rule: string; now: Date; job?: number };

export type ExecuteContext = {
  /** Cancels the attempt in flight and any backoff wait (runner shutdown, lease lost). */
  signal: AbortSignal;
  fetch?: typeof fetch;
  /** For backoff jitter; Math.random when absent. */
  random?: () => number;
};

/**
 * One kind of action. Adding a kind (Kubernetes rollout restart, a script runner) is a new
 * file exporting one of these plus a line in registry.ts; the rules loader and the runner
 * only ever see ConfiguredAction and ActionPlan.
 */
export type ActionKind<C> = {
  kind: string;
  /** The rule's `action` block without `kind`; strict, so a misspelt field is named. */
  config: z.ZodType<C, unknown>;
  /** Problems only the deployment settles, e.g. a URL that must be configured somewhere. */
  check?: (config: C, env: ActionEnv) => FieldProblem[];
  plan: (config: C, input: PlanInput, env: ActionEnv) => ActionPlan;
  /** One line for people about where the action goes, templates unrendered (the console's rules table). */
  target?: (config: C, env: ActionEnv) => string;
  execute: (plan: ActionPlan, ctx: ExecuteContext) => Promise<ActionResult>;
};

/** A validated action block, ready to plan; its configuration type stays inside. */
export type ConfiguredAction = {
  readonly kind: string;
  /** Where it acts, e.g. "POST https://deploy.internal/restart/{{ labels.service }}"; absent when the kind cannot say. */
  readonly target?: string;
  plan(input: PlanInput): ActionPlan;
};
