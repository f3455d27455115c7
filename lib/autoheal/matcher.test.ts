import { describe, expect, it } from "vitest";
import { MatcherError } from "./errors";
import { allMatch, formatMatcher, matcherMatches, parseMatcher } from "./matcher";

const ALERT = { alertname: "HighCPU", severity: "critical", instance: "web-12", env: "prod", note: 'say "hi"', multi: "a\nb" };

describe("parseMatcher", () => {
  it.each([
    ["severity=critical", "severity", "=", "critical"],
    ['severity="critical"', "severity", "=", "critical"],
    ["  env != dev  ", "env", "!=", "dev"],
    ["instance=~web-.*", "instance", "=~", "web-.*"],
    ['job!~"test.*"', "job", "!~", "test.*"],
    ['note="say \\"hi\\""', "note", "=", 'say "hi"'],
    ['path="C:\\\\temp"', "path", "=", "C:\\temp"],
    ['multi="a\\nb"', "multi", "=", "a\nb"],
    ["ip=~10\\.0\\..*", "ip", "=~", "10\\.0\\..*"],
    ['empty=""', "empty", "=", ""],
    ["empty=", "empty", "=", ""],
    ["a:b_c=x=y", "a:b_c", "=", "x=y"],
    // As in Alertmanager: the first operator wins and the rest is the value.
    ["sev==critical", "sev", "=", "=critical"],
  ])("reads %j", (text, name, type, value) => {
    expect(parseMatcher(text)).toMatchObject({ name, type, value });
  });

  it.each([
    ["severity", /is not a matcher/],
    ["9lives=yes", /is not a matcher/],
    ['note=say "hi"', /unescaped double quote/],
    ['note="open', /unescaped double quote/],
    ["instance=~web-(", /regex "web-\(" is invalid/],
    ["instance=~(?!web)", /lookahead and lookbehind/],
    ["instance=~(a)\\1", /backreferences/],
    ["instance=~[[:alpha:]]+", /POSIX classes/],
  ])("refuses %j", (text, message) => {
    expect(() => parseMatcher(text)).toThrow(MatcherError);
    expect(() => parseMatcher(text)).toThrow(message);
  });

  it("writes matchers back in a spelling it reads the same way", () => {
    for (const text of ['note="say \\"hi\\""', "instance=~web-.*", 'multi="a\\nb"', 'path="C:\\\\temp"']) {
      const matcher = parseMatcher(text);
      expect(parseMatcher(formatMatcher(matcher))).toEqual(matcher);
    }
  });
});

describe("matcherMatches (Alertmanager semantics)", () => {
  it.each<[string, boolean]>([
    ["severity=critical", true],
    ["severity=Critical", false],
    ["severity!=critical", false],
    ["severity!=warning", true],
    // Regexes are anchored at both ends.
    ["instance=~web-.*", true],
    ["instance=~web", false],
    ["instance=~eb-1", false],
    ["instance=~.*eb-1.*", true],
    ["instance=~web-1|db-1", false],
    ["instance=~db-1|web-12", true],
    ["instance!~web-.*", false],
    ["instance!~db-.*", true],
    ["severity=~(?i)CRIT.*", true],
    ['note="say \\"hi\\""', true],
    // A missing label is the empty string.
    ["team=", true],
    ['team=""', true],
    ["team!=", false],
    ["team!=ops", true],
    ["team=~.*", true],
    ["team=~.+", false],
    ["team!~.+", true],
    ["team=ops", false],
    // "." does not cross lines, as in RE2 without (?s).
    ["multi=~a.*", false],
    ["multi=~a\nb", true],
  ])("%s -> %s", (text, expected) => {
    expect(matcherMatches(parseMatcher(text), ALERT)).toBe(expected);
  });

  it("does not read inherited properties as labels", () => {
    expect(matcherMatches(parseMatcher("constructor=~.+"), ALERT)).toBe(false);
    expect(matcherMatches(parseMatcher("toString="), ALERT)).toBe(true);
  });

  it("needs every matcher to hold, and an empty list matches all", () => {
    const matchers = ["severity=critical", "instance=~web-.*", "env!=dev", "job!~test.*"].map(parseMatcher);
    expect(allMatch(matchers, ALERT)).toBe(true);
    expect(allMatch(matchers, { ...ALERT, env: "dev" })).toBe(false);
    expect(allMatch(matchers, { ...ALERT, job: "test-runner" })).toBe(false);
    expect(allMatch([], {})).toBe(true);
  });
});
