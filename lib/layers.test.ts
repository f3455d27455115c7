import { describe, expect, it } from "vitest";
import { importsOf, productionFiles, readSource } from "@/lib/testing/source";

/**
 * The floors of lib/, top to bottom (README, "Architecture"). A module may import from its
 * own folder and from any floor below its own; never upward, never sideways (identity and
 * autoheal share a floor and know nothing of each other). Floors are folders, or single
 * files at lib/'s root.
 */
export const FLOORS: readonly (readonly string[])[] = [
  ["http"], // the doors: route table, wrapper, bearer checkers, replies
  ["console"], // read models and the page context for console pages
  ["runtime"], // start-up, shutdown, health, metrics: wires the floors below into a process
  ["gate"], // who is calling: bearer tokens, the gateway validator, sessions, rate limits
  ["identity", "autoheal"], // the domain verbs
  ["policy"], // runtime policy (Cedar): the engine, policy sets, decisions
  ["audit"], // commit (a change and its events), event kinds, query, live stream, retention, checkpoints
  ["context"], // what every verb receives
  ["access"], // Actor, scopes, roles: the kernel every floor above may use
  ["events"], // LISTEN/NOTIFY
  ["keys"], // keyring, server secrets, constant-time compare
  ["db", "observability"], // one client, pagination; logger and metrics
  ["config", "validation"], // the environment, zod at the edges
  ["errors"], // typed errors
  ["process", "streams"], // per-process singletons, bounded stream reading: import nothing
];

type Violation = { from: string; to: string; why: string };

/** The floor of a module path ("lib/audit/commit" -> "audit", "lib/context" -> "context"). */
export function floorOf(path: string): string | null {
  const m = /^lib\/([^/.]+)/.exec(path);
  return m?.[1] ?? null;
}

const rank = (floor: string) => FLOORS.findIndex((f) => f.includes(floor));

/** Every import in `files` that points upward or sideways, or into test support. */
export function layerViolations(files: string[], imports: (file: string) => string[]): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    const from = floorOf(file);
    if (!from) continue;
    for (const target of imports(file)) {
      if (target.startsWith("lib/testing")) {
        out.push({ from: file, to: target, why: "production code imports test support" });
        continue;
      }
      const to = floorOf(target);
      if (!to || to === from) continue;
      const [a, b] = [rank(from), rank(to)];
      if (a < 0) out.push({ from: file, to: target, why: `lib/${from} is on no floor: add it to FLOORS` });
      else if (b < 0) out.push({ from: file, to: target, why: `lib/${to} is on no floor: add it to FLOORS` });
      else if (b === a) out.push({ from: file, to: target, why: `sideways: ${from} and ${to} share a floor` });
      else if (b < a) out.push({ from: file, to: target, why: `upward: ${from} is below ${to}` });
    }
  }
  return out;
}

/** Import cycles among files (Tarjan's strongly connected components of size > 1, or a self-import). */
export function importCycles(files: string[], imports: (file: string) => string[]): string[][] {
  const modules = new Map(files.map((f) => [f.replace(/\.tsx?$/, ""), f]));
  const edges = new Map<string, string[]>();
  for (const [name, file] of modules) {
    edges.set(
      name,
      imports(file).flatMap((t) => (modules.has(t) ? [t] : modules.has(`${t}/index`) ? [`${t}/index`] : [])),
    );
  }
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indexOf.get(w) ?? 0));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const name of modules.keys()) if (!indexOf.has(name)) visit(name);
  return cycles;
}

describe("lib's floors", () => {
  const files = productionFiles();
  const imports = (file: string) => importsOf(file, readSource(file));

  it("puts every folder of lib on a floor", () => {
    const floors = new Set(files.map(floorOf).filter((f): f is string => f !== null));
    expect([...floors].filter((f) => rank(f) < 0)).toEqual([]);
  });

  it("has no import that points upward or sideways, and none into test support", () => {
    expect(layerViolations(files, imports)).toEqual([]);
  });

  it("has no import cycle among production files", () => {
    expect(importCycles(files, imports)).toEqual([]);
  });

  // The checks above pass trivially if they see nothing: prove each one can fail.
  it("would catch an upward import, a sideways one, test support and a cycle", () => {
    const fake: Record<string, string[]> = {
      "lib/audit/a.ts": ["lib/identity/x"], // upward
      "lib/identity/b.ts": ["lib/autoheal/y"], // sideways
      "lib/gate/c.ts": ["lib/testing/actors"], // test support
      "lib/db/d.ts": ["lib/db/e"],
      "lib/db/e.ts": ["lib/db/d"], // a cycle within a floor
    };
    const found = layerViolations(Object.keys(fake), (f) => fake[f] ?? []);
    expect(found.map((v) => v.why)).toEqual([
      "upward: audit is below identity",
      "sideways: identity and autoheal share a floor",
      "production code imports test support",
    ]);
    expect(importCycles(Object.keys(fake), (f) => fake[f] ?? [])).toEqual([["lib/db/d", "lib/db/e"]]);
  });
});
