import { describe, expect, it } from "vitest";
import { z } from "zod";
import { durationField, formatDuration, parseDuration } from "./duration";
import { DurationError } from "./errors";

describe("parseDuration (Prometheus spelling)", () => {
  it.each([
    ["0", 0],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["1y", 31_536_000_000],
    ["250ms", 250],
    ["1m30s500ms", 90_500],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(["", "5", "1.5h", "30m1h", "1h1h", "-5m", " 5m", "5M", "5min", "ms"])("refuses %j", (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it("formats the largest units first", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(90_061_001)).toBe("1d1h1m1s1ms");
  });

  it("bounds a duration field and says which bounds", () => {
    const field = z.object({ cooldown: durationField({ min: 1000, max: 3_600_000 }) });
    expect(field.parse({ cooldown: "5m" })).toEqual({ cooldown: 300_000 });
    const tooLong = field.safeParse({ cooldown: "2h" });
    expect(tooLong.success ? [] : tooLong.error.issues.map((i) => i.message)).toEqual(["must be between 1s and 1h"]);
    const garbage = field.safeParse({ cooldown: "soon" });
    expect(garbage.success ? [] : garbage.error.issues.map((i) => i.message)).toEqual([
      '"soon" is not a duration; use e.g. 30s, 5m, 1h30m',
    ]);
  });
});
