import { z } from "zod";
import { DurationError } from "./errors";
import { mustBe } from "./issue-path";

// Prometheus/Alertmanager durations (model.ParseDuration): units largest first, each at most
// once, integers only — "1h30m" yes, "30m1h" and "1.5h" no. Operators copy these from their
// Alertmanager configs, so the same spelling must mean the same thing here.
const PATTERN = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** "1h30m" -> 5_400_000 (milliseconds). "0" is zero. Throws DurationError. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const match = PATTERN.exec(text);
  if (!match || text === "") throw new DurationError(text);
  let total = 0;
  for (const [i, unit] of UNIT_MS.entries()) {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * unit;
  }
  if (!Number.isSafeInteger(total)) throw new DurationError(text);
  return total;
}

/** 5_400_000 -> "1h30m"; the inverse of parseDuration for whole milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in ms: ${ms}`);
  if (ms === 0) return "0s";
  const names = ["y", "w", "d", "h", "m", "s", "ms"];
  let rest = ms;
  let out = "";
  for (const [i, unit] of UNIT_MS.entries()) {
    const count = Math.floor(rest / unit);
    if (count > 0) out += `${count}${names[i] ?? ""}`;
    rest -= count * unit;
  }
  return out;
}

/** A zod field holding a duration string, parsed to milliseconds within [min, max]. */
export function durationField(bounds: { min: number; max: number }) {
  return z.string({ error: mustBe("a duration such as 30s, 5m or 1h30m") }).transform((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${text.slice(0, 40)}" is not a duration; use e.g. 30s, 5m, 1h30m` });
      return z.NEVER;
    }
    if (ms < bounds.min || ms > bounds.max) {
      ctx.addIssue({ code: "custom", message: `must be between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}` });
      return z.NEVER;
    }
    return ms;
  });
}
