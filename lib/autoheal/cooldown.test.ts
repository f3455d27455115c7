import { describe, expect, it } from "vitest";
import { blastRadius, canonicalLabels, cooldownKey, cooldownRemaining, decide, labelSetHash } from "./cooldown";

const at = (s: number) => new Date(Date.UTC(2026, 10, 24, 3, 0, s));
const RULE = { cooldownMs: 300_000, blastRadius: { maxActions: 3, windowMs: 600_000 }, dryRun: false };

describe("cooldown keys", () => {
  it("ignore label order and tell different label sets apart", () => {
    const a = { alertname: "HighCPU", instance: "web-1", severity: "critical" };
    const b = { severity: "critical", instance: "web-1", alertname: "HighCPU" };
    expect(cooldownKey("restart-web", a)).toBe(cooldownKey("restart-web", b));
    expect(cooldownKey("restart-web", a)).toMatch(/^restart-web:[0-9a-f]{32}$/);
    expect(cooldownKey("restart-web", a)).not.toBe(cooldownKey("restart-db", a));
    expect(labelSetHash(a)).not.toBe(labelSetHash({ ...a, instance: "web-2" }));
    // Concatenation tricks cannot make two sets equal.
    expect(labelSetHash({ a: "b,c", d: "" })).not.toBe(labelSetHash({ a: "b", c: "d" }));
    expect(canonicalLabels(b)).toBe('[["alertname","HighCPU"],["instance","web-1"],["severity","critical"]]');
  });

  it("count the time left", () => {
    expect(cooldownRemaining(null, 300_000, at(0))).toBe(0);
    expect(cooldownRemaining(at(0), 300_000, at(60))).toBe(240_000);
    expect(cooldownRemaining(at(0), 300_000, at(300))).toBe(0);
  });
});

describe("blastRadius", () => {
  const limit = { maxActions: 3, windowMs: 600_000 };

  it("allows actions while fewer than max_actions are inside the sliding window", () => {
    expect(blastRadius([], limit, at(0))).toEqual({ allowed: true, inWindow: 0, retryAfterMs: 0 });
    expect(blastRadius([at(10), at(20)], limit, at(30))).toEqual({ allowed: true, inWindow: 2, retryAfterMs: 0 });
  });

  it("refuses when full and says when the oldest leaves the window", () => {
    expect(blastRadius([at(20), at(10), at(30)], limit, at(100))).toEqual({ allowed: false, inWindow: 3, retryAfterMs: 510_000 });
  });

  it("does not count actions that left the window, or future ones", () => {
    // at(0) left at the window's edge (exclusive); at(900) is not yet.
    expect(blastRadius([at(0), at(300), at(400), at(900)], limit, at(600))).toEqual({ allowed: true, inWindow: 2, retryAfterMs: 0 });
  });

  it("with more than max_actions inside, waits until enough have left", () => {
    const result = blastRadius([at(1), at(2), at(3), at(4), at(5)], limit, at(10));
    expect(result).toEqual({ allowed: false, inWindow: 5, retryAfterMs: 593_000 });
  });
});

describe("decide", () => {
  const base = { rule: RULE, now: at(1000), lastActionAt: null, recentActions: [], globalDryRun: false };

  it("acts live only when neither Vigil nor the rule is dry", () => {
    expect(decide(base)).toEqual({ verdict: "act", dryRun: false });
    expect(decide({ ...base, globalDryRun: true })).toEqual({ verdict: "act", dryRun: true });
    expect(decide({ ...base, rule: { ...RULE, dryRun: true } })).toEqual({ verdict: "act", dryRun: true });
  });

  it("holds for the cooldown first, then for the blast radius", () => {
    const full = [at(900), at(950), at(990)];
    expect(decide({ ...base, lastActionAt: at(990), recentActions: full })).toEqual({ verdict: "cooldown", remainingMs: 290_000 });
    expect(decide({ ...base, lastActionAt: at(600), recentActions: full })).toEqual({
      verdict: "blast_radius",
      inWindow: 3,
      retryAfterMs: 500_000,
    });
  });
});
