import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { timeArg } from "./time-arg";

describe("--since/--until", () => {
  const parse = timeArg(() => Date.parse("2025-06-01T12:00:00Z"));
  it("reads ages back from now", () => {
    expect(parse("30m")).toBe("2025-06-01T11:30:00.000Z");
    expect(parse("2d")).toBe("2025-05-30T12:00:00.000Z");
  });
  it("passes RFC 3339 timestamps on as written", () => {
    expect(parse("2025-01-31T12:00:00+01:00")).toBe("2025-01-31T12:00:00+01:00");
  });
  it("refuses anything else with a usable message", () => {
    expect(() => parse("yesterday")).toThrow(InvalidArgumentError);
    expect(() => parse("10 minutes")).toThrow(/age such as 30m/);
  });
});
