import { MatcherError } from "./errors";

/**
 * Alertmanager's label matchers, same spelling and same meaning, so a matcher copied from
 * an Alertmanager route or an amtool command matches the same alerts here:
 * - `name=value`, `name!=value`, `name=~regex`, `name!~regex`; the value may be double-quoted
 *   ("a \"b\"" with \" \\ \n escapes) and is otherwise taken as written, outer spaces trimmed;
 * - a label the alert does not carry has the value "" (so `env!=dev` matches alerts without env);
 * - regexes are fully anchored, ^(?:re)$, as Alertmanager compiles them.
 */
export type MatchType = "=" | "!=" | "=~" | "!~";

export type Matcher = {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** Compiled once at load; null for = and !=. */
  readonly regex: RegExp | null;
};

export type Labels = Readonly<Record<string, string>>;

const SHAPE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

// Alertmanager compiles with Go's RE2. These JavaScript-only or RE2-only constructs would
// make a rule behave differently here than in Alertmanager, so they are refused outright.
const NOT_RE2: [RegExp, string][] = [
  [/\(\?<?[=!]/, "lookahead and lookbehind are not supported by Alertmanager (RE2)"],
  [/\\[1-9]|\\k</, "backreferences are not supported by Alertmanager (RE2)"],
  [/\[:\^?[a-z]+:\]/, "POSIX classes like [[:alpha:]] are not supported here; use [A-Za-z]"],
  [/\\[pPAzQE]/, "\\p, \\A, \\z and \\Q...\\E are not supported here"],
];

/** "instance=~web-.*" -> { name: "instance", type: "=~", value: "web-.*", regex: /^(?:web-.*)$/ } */
export function parseMatcher(text: string): Matcher {
  const shape = SHAPE.exec(text);
  if (!shape) {
    throw new MatcherError(`"${text}" is not a matcher; write name=value, name!=value, name=~regex or name!~regex`);
  }
  const [, name = "", type = "=", raw = ""] = shape;
  const value = unquote(raw, text);
  return { name, type: type as MatchType, value, regex: type === "=~" || type === "!~" ? compileAnchored(value) : null };
}

/** Whether the labels satisfy one matcher; a missing label reads as "". */
export function matcherMatches(matcher: Matcher, labels: Labels): boolean {
  const actual = Object.hasOwn(labels, matcher.name) ? (labels[matcher.name] ?? "") : "";
  switch (matcher.type) {
    case "=":
      return actual === matcher.value;
    case "!=":
      return actual !== matcher.value;
    case "=~":
      return matcher.regex?.test(actual) ?? false;
    case "!~":
      return !(matcher.regex?.test(actual) ?? false);
  }
}

/** All matchers hold (an empty list matches everything, as in Alertmanager). */
export function allMatch(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((m) => matcherMatches(m, labels));
}

/** The canonical spelling, name="value" with the value quoted, which parseMatcher reads back. */
export function formatMatcher(matcher: Matcher): string {
  const escaped = matcher.value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");
  return `${matcher.name}${matcher.type}"${escaped}"`;
}

/** ^(?:re)$, as Alertmanager does; a leading (?i) becomes the i flag (RE2 writes it inline). */
export function compileAnchored(source: string): RegExp {
  for (const [pattern, reason] of NOT_RE2) {
    if (pattern.test(source)) throw new MatcherError(`regex "${source}": ${reason}`);
  }
  const caseless = source.startsWith("(?i)");
  const body = caseless ? source.slice(4) : source;
  try {
    return new RegExp(`^(?:${body})$`, caseless ? "i" : "");
  } catch (error) {
    throw new MatcherError(`regex "${source}" is invalid: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`);
  }
}

// Alertmanager's own reading (pkg/labels/parse.go): outer quotes optional; \n, \" and \\ are
// escapes; any other backslash, and a trailing one, stays literal (regexes keep \d and \.).
function unquote(raw: string, whole: string): string {
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  const inner = quoted ? raw.slice(1, -1) : raw;
  let out = "";
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"') throw new MatcherError(`"${whole}": unescaped double quote in the value`);
    if (c !== "\\" || i === inner.length - 1) {
      out += c;
      continue;
    }
    const next = inner[++i] ?? "";
    out += next === "n" ? "\n" : next === '"' || next === "\\" ? next : `\\${next}`;
  }
  return out;
}
