import ts from "typescript";
import { describe, expect, it } from "vitest";
import { importsOf, productionFiles, readSource } from "@/lib/testing/source";

/**
 * A guard, not a proof. It reads the source, not what runs: a function that commits through
 * a helper of its own, or checks its scope in a helper, goes unseen. What it does catch is
 * the easy mistake — a new write verb that commits without its `requireScope` first line —
 * and it makes every exception say why, in a `// no-scope: reason` comment where it stands.
 * The route table test (lib/http/routes.test.ts) checks the other half: that the table and
 * the verbs agree on the scopes.
 */
const COMMITS = new Set(["commit", "commitBatched", "commitClaimed"]);

type Finding = { file: string; line: number; name: string };

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node);
}

/** Calls made by a function's own body, not by the functions nested in it. */
function ownCalls(fn: ts.FunctionLikeDeclaration): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node) => {
    if (node !== fn && isFunctionLike(node)) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) names.push(node.expression.text);
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return names;
}

function nameOf(fn: ts.FunctionLikeDeclaration): string {
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "(anonymous)";
}

/** Functions that commit in their own body with neither requireScope there nor a `// no-scope:` reason. */
export function unguardedCommits(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Finding[] = [];
  const visit = (node: ts.Node) => {
    if (isFunctionLike(node)) {
      const calls = ownCalls(node);
      if (calls.some((c) => COMMITS.has(c)) && !calls.includes("requireScope") && !/\/\/ no-scope: \S/.test(node.getFullText(sf))) {
        found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, name: nameOf(node) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("every function that commits checks the caller's scope, or says why not", () => {
  const files = productionFiles();

  it("finds the functions that commit (the guard sees something)", () => {
    const committing = files.filter((f) => /\bcommit(Batched)?\(/.test(readSource(f)));
    expect(committing.length).toBeGreaterThan(15);
  });

  it("finds no function that commits without requireScope or a `// no-scope:` reason", () => {
    expect(files.flatMap((f) => unguardedCommits(f, readSource(f)))).toEqual([]);
  });

  it("writes the log only through the commit helpers", () => {
    // append.ts holds the raw insert; commit.ts is its one production caller (the batcher
    // writes its own multi-row statement, batch-sql.ts, with the same tail lock).
    const callers = files.filter((f) => importsOf(f).includes("lib/audit/append"));
    expect(callers).toEqual(["lib/audit/commit.ts"]);
  });

  it("would flag a verb that commits unguarded, and accept a scope check or a reason", () => {
    const bad = `export async function wipe(ctx, raw) { return commit(ctx, async () => ({ value: 1, events: [] })); }`;
    const guarded = `export async function wipe(ctx, raw) { requireScope(ctx.actor, "admin"); return commit(ctx, async () => ({ value: 1, events: [] })); }`;
    const excused = `export async function sweep(db) {\n  // no-scope: a background job\n  await commitBatched(ctx, draft);\n}`;
    const bareComment = `export const f = async (ctx) => { // no-scope:\n await commit(ctx, work); };`;
    const inner = `export function make() { return async function inner(ctx) { await commit(ctx, work); }; }`;
    expect(unguardedCommits("x.ts", bad)).toEqual([{ file: "x.ts", line: 1, name: "wipe" }]);
    expect(unguardedCommits("x.ts", guarded)).toEqual([]);
    expect(unguardedCommits("x.ts", excused)).toEqual([]);
    expect(unguardedCommits("x.ts", bareComment)).toEqual([{ file: "x.ts", line: 1, name: "f" }]);
    expect(unguardedCommits("x.ts", inner)).toEqual([{ file: "x.ts", line: 1, name: "inner" }]);
  });
});
