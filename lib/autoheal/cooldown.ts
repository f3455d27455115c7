import { createHash } from "node:crypto";
import type { Labels } from "./matcher";
import type { Rule } from "./rules";

/**
 * Pacing, as pure functions over times the caller stores (the runner keeps them in
 * PostgreSQL). Two limits, checked in this order:
 * - cooldown: one rule acts on one alert (its exact label set) at most once per cooldown;
 * - blast radius: one rule acts at most max_actions times in any sliding window, over all
 *   alerts — a rule that suddenly matches the whole fleet stops after a few actions.
 * In dry run the runner feeds these the dry-run records, so a canary shows the pace the
 * live rule would keep.
 */

/** Labels as one stable string: sorted by name, JSON-encoded, so no two label sets collide. */
export function canonicalLabels(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name] ?? ""]),
  );
}

/** A 128-bit hex digest of the label set, independent of label order. */
export function labelSetHash(labels: Labels): string {
  return createHash("sha256").update(canonicalLabels(labels)).digest("hex").slice(0, 32);
}

/** "restart-web:3f9a..." — rule names cannot hold ":", so the key splits unambiguously. */
export function cooldownKey(rule: string, labels: Labels): string {
  return `${rule}:${labelSetHash(labels)}`;
}

/** Milliseconds left before the rule may act on this alert again; 0 when it may now. */
export function cooldownRemaining(lastActionAt: Date | null, cooldownMs: number, now: Date): number {
  if (!lastActionAt) return 0;
  return Math.max(0, lastActionAt.getTime() + cooldownMs - now.getTime());
}

export type BlastRadius = { allowed: boolean; inWindow: number; retryAfterMs: number };

/**
 * Whether one more action fits: actions in (now - window, now] count. When full, retryAfterMs
 * says when enough of them will have left the window for one more.
 */
export function blastRadius(
  recentActions: readonly Date[],
  limit: { maxActions: number; windowMs: number },
  now: Date,
): BlastRadius {
  const from = now.getTime() - limit.windowMs;
  const inside = recentActions
    .map((d) => d.getTime())
    .filter((t) => t > from && t <= now.getTime())
    .sort((a, b) => a - b);
  if (inside.length < limit.maxActions) return { allowed: true, inWindow: inside.length, retryAfterMs: 0 };
  const freeing = inside[inside.length - limit.maxActions] ?? now.getTime();
  return { allowed: false, inWindow: inside.length, retryAfterMs: Math.max(1, freeing + limit.windowMs - now.getTime()) };
}

export type Decision =
  | { verdict: "act"; dryRun: boolean }
  | { verdict: "cooldown"; remainingMs: number }
  | { verdict: "blast_radius"; inWindow: number; retryAfterMs: number };

/** What the runner does with one matched (rule, alert): act (live or dry) or hold, and why. */
export function decide(input: {
  rule: Pick<Rule, "cooldownMs" | "blastRadius" | "dryRun">;
  now: Date;
  /** The rule's last action on this alert's label set (cooldownKey), if any. */
  lastActionAt: Date | null;
  /** The rule's actions on any alert, at least those within its window. */
  recentActions: readonly Date[];
  globalDryRun: boolean;
}): Decision {
  const remainingMs = cooldownRemaining(input.lastActionAt, input.rule.cooldownMs, input.now);
  if (remainingMs > 0) return { verdict: "cooldown", remainingMs };
  const radius = blastRadius(input.recentActions, input.rule.blastRadius, input.now);
  if (!radius.allowed) return { verdict: "blast_radius", inWindow: radius.inWindow, retryAfterMs: radius.retryAfterMs };
  return { verdict: "act", dryRun: input.globalDryRun || input.rule.dryRun };
}
