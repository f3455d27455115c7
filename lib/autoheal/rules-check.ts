import path from "node:path";
import YAML, { isMap, isNode, isScalar, isSeq, LineCounter, type Document } from "yaml";
import { RulesError } from "./errors";
import { validateRules, type RuleLoadOptions } from "./rules";

/** One problem of a rules file; `line`/`column` are 1-based, null when no place in the text fits. */
export type RulesFileProblem = { line: number | null; column: number | null; message: string };
export type RulesFileCheck = { ok: boolean; rules: number; problems: RulesFileProblem[] };

// The YAML errors after which the document's shape is still what was written.
const SHAPE_KEEPING = new Set(["DUPLICATE_KEY"]);

/**
 * Checks a rules file's text as Vigil would load it (the same parser and validation as
 * loadRulesFile), reporting every problem at once with its line: every YAML syntax error,
 * and when the document's shape survived, every rule and field problem. For `vigil rules
 * check`, offline, before a deploy.
 */
export function checkRulesText(text: string, source: string, opts: RuleLoadOptions): RulesFileCheck {
  const json = path.extname(source).toLowerCase() === ".json" || /^\s*[{[]/.test(text);
  const lines = new LineCounter();
  // JSON is read as YAML 1.2 flow too, for the positions; JSON.parse decides what is valid JSON.
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter: lines });
  const problems: RulesFileProblem[] = doc.errors.map((e) => ({
    line: e.linePos?.[0].line ?? null,
    column: e.linePos?.[0].col ?? null,
    message: `not valid ${json ? "JSON" : "YAML"}: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
  }));
  let raw: unknown;
  if (json) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      if (problems.length === 0) problems.push(jsonProblem(text, error as Error));
      return { ok: false, rules: 0, problems };
    }
  } else {
    if (doc.errors.some((e) => !SHAPE_KEEPING.has(e.code))) return { ok: false, rules: 0, problems };
    raw = doc.toJS({ maxAliasCount: 100 });
  }
  try {
    const set = validateRules(raw, source, opts);
    return { ok: problems.length === 0, rules: set.rules.length, problems };
  } catch (error) {
    if (!(error instanceof RulesError)) throw error;
    problems.push(...error.problems.map((message, i) => ({ ...place(doc, lines, error.paths[i] ?? []), message })));
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    return { ok: false, rules: 0, problems };
  }
}

/** The line of the deepest field on `at` that exists, at its key: a missing field is reported at its rule. */
function place(doc: Document, lines: LineCounter, at: (string | number)[]): Omit<RulesFileProblem, "message"> {
  for (let depth = at.length; depth >= 0; depth--) {
    const offset = depth === 0 ? startOf(doc.contents) : fieldStart(doc.getIn(at.slice(0, depth - 1), true), at[depth - 1]);
    if (offset !== undefined) {
      const { line, col } = lines.linePos(offset);
      return { line, column: col };
    }
  }
  return { line: null, column: null };
}

const startOf = (node: unknown): number | undefined => (isNode(node) ? node.range?.[0] : undefined);

/** Where `key` of a mapping starts (its key, so "unknown field" points at the name), or item `key` of a list. */
function fieldStart(parent: unknown, key: string | number | undefined): number | undefined {
  if (key === undefined) return undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
    return pair ? (startOf(pair.key) ?? startOf(pair.value)) : undefined;
  }
  if (isSeq(parent) && typeof key === "number") return startOf(parent.items[key]);
  return undefined;
}

/** JSON.parse names a position ("... at position 21"); turn it into a line and column. */
function jsonProblem(text: string, error: Error): RulesFileProblem {
  const at = /position (\d+)/.exec(error.message);
  if (!at) return { line: null, column: null, message: `not valid JSON: ${error.message}` };
  const before = text.slice(0, Number(at[1]));
  const line = before.split("\n").length;
  return { line, column: before.length - before.lastIndexOf("\n"), message: `not valid JSON: ${error.message.replace(/ in JSON at position \d+.*$/, "")}` };
}
