import { InvalidArgumentError } from "commander";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * --since/--until: an RFC 3339 timestamp (passed on as written; Vigil checks it), or an age
 * such as 30m, 12h, 7d meaning that long before now.
 */
export function timeArg(now: () => number = Date.now) {
  return (value: string): string => {
    const age = /^(\d+)([smhdw])$/.exec(value);
    if (age) return new Date(now() - Number(age[1]) * (UNIT_MS[age[2] ?? "s"] ?? 1000)).toISOString();
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return value;
    throw new InvalidArgumentError("an RFC 3339 timestamp (2025-01-31T12:00:00Z) or an age such as 30m, 12h, 7d");
  };
}
