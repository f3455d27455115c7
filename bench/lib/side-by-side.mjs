// Tables for sections that measure one Vigil under several kinds of request in interleaved
// rounds (bench/exchange.mjs, bench/authcode.mjs), or Vigil and a peer server
// (bench/introspect.mjs): the run table with CPU columns, Vigil's own timers per side, and
// the means with side a / side b ratios.
import { fixed, mean, table } from "./format.mjs";

/**
 * server: whose CPU group ("vigil" or "peer") served the run; vigilInternals: null on a peer's runs.
 * @typedef {import("./load.mjs").LoadResult & { side: string, server?: "vigil" | "peer", cpuPercentOfOneCore: Record<string, number>, mainThreadSched: { runPercent: number, waitPercent: number } | null,
 *   vigilInternals: { db: { labels: string, count: number, meanMs: number }[], http: { labels: string, count: number, meanMs: number }[], eventLoopLagMs: { p50: number, p99: number, max: number } } | null }} MeasuredRun
 */

/**
 * The report lines for runs that were not clean (non-2xx, connection errors, timeouts) with
 * the bodies sampled from them, or the one line that says there were none.
 * @template {import("./load.mjs").LoadResult} R
 * @param {R[]} runs @param {(r: R) => string} [detail] more to say of a flagged run
 * @returns {string[]}
 */
export function problemLines(runs, detail) {
  const flagged = runs.filter((r) => !r.clean);
  if (flagged.length === 0) return ["errors/non-2xx: none in any run"];
  return flagged.flatMap((r) => [
    `!! FLAGGED ${r.label}: ${r.non2xx} non-2xx, ${r.bodyMismatches ? `${r.bodyMismatches} 2xx with an unexpected body, ` : ""}${r.errors} connection errors, ${r.timeouts} timeouts; status codes ${JSON.stringify(r.statusCodes)}${detail ? `; ${detail(r)}` : ""}`,
    ...Object.entries(r.sampleBodies).map(([body, n]) => `   ${n}x ${body}`),
  ]);
}

/** Whatever else ran on the box meanwhile (other people's builds and tests, say). @param {MeasuredRun} r */
export function otherCpu(r) {
  const c = r.cpuPercentOfOneCore;
  return Math.max(0, c["machine total"] - c[r.server ?? "vigil"] - c["postgres (all)"] - c["load generator (bench)"]);
}

/** Means over the measured rounds per side, and side a / side b. @param {MeasuredRun[]} runs @param {string} a @param {string} b */
export function summarize(runs, a, b) {
  const of = (/** @type {string} */ side) => {
    const mine = runs.filter((r) => r.side === side);
    return { perSecond: mean(mine.map((r) => r.rps)), p50Ms: mean(mine.map((r) => r.latencyMs.p50)), p99Ms: mean(mine.map((r) => r.latencyMs.p99)), rounds: mine.length, clean: mine.every((r) => r.clean) };
  };
  const sides = { [a]: of(a), [b]: of(b) };
  const [sa, sb] = [sides[a], sides[b]];
  return {
    sides,
    ratio: { perSecond: sa.perSecond / sb.perSecond, p50: sa.p50Ms / sb.p50Ms, p99: sa.p99Ms / sb.p99Ms },
    clean: sa.clean && sb.clean,
  };
}

/** @param {string} unit @param {ReturnType<typeof summarize>} s @param {string} a @param {string} b */
export function summaryTable(unit, s, a, b) {
  const row = (/** @type {string} */ side) => [side, fixed(s.sides[side].perSecond), fixed(s.sides[side].p50Ms, 2), fixed(s.sides[side].p99Ms, 2)];
  return table(
    ["", `${unit} (mean)`, "p50 ms (mean)", "p99 ms (mean)"],
    [row(a), row(b), [`${a} / ${b}`, `${fixed(s.ratio.perSecond, 2)}x`, `${fixed(s.ratio.p50, 2)}x`, `${fixed(s.ratio.p99, 2)}x`]],
  );
}

/** @param {string} unit @param {MeasuredRun[]} runs */
export function runTable(unit, runs) {
  return table(
    ["run", unit, "p50 ms", "p99 ms", "2xx", "non-2xx", "errors", runs.some((r) => r.server === "peer") ? "CPU% server" : "CPU% Vigil", "main thr run/wait", "pg bench db", "pg all", "loadgen", "other", "machine"],
    runs.map((r) => {
      const c = r.cpuPercentOfOneCore;
      const server = r.server ?? "vigil";
      return [
        r.label,
        fixed(r.rps),
        r.latencyMs.p50,
        r.latencyMs.p99,
        r.ok2xx,
        r.non2xx,
        r.errors + r.timeouts,
        fixed(c[server]),
        r.mainThreadSched ? `${fixed(r.mainThreadSched.runPercent)}/${fixed(r.mainThreadSched.waitPercent)}` : fixed(c[`${server} main thread`]),
        fixed(c["postgres (bench db backends)"]),
        fixed(c["postgres (all)"]),
        fixed(c["load generator (bench)"]),
        fixed(otherCpu(r)),
        fixed(c["machine total"]),
      ];
    }),
  );
}

/**
 * Vigil's own timers over the measured rounds, per side: where one answer's time goes.
 * `sides` are Vigil's only: a peer's runs have no internals.
 * @param {MeasuredRun[]} runs @param {string[]} sides @param {string} per
 */
export function internalsTable(runs, sides, per) {
  /** @type {Map<string, Map<string, { count: number, totalMs: number }>>} */
  const bySide = new Map();
  /** @type {Record<string, number>} */
  const answered = {};
  for (const side of sides) {
    const ops = new Map();
    answered[side] = 0;
    for (const r of runs.filter((x) => x.side === side)) {
      answered[side] += r.ok2xx;
      for (const [kind, list] of /** @type {const} */ ([["db", r.vigilInternals.db], ["http", r.vigilInternals.http]])) {
        for (const row of list) {
          const key = `${kind} ${row.labels}`;
          const e = ops.get(key) ?? { count: 0, totalMs: 0 };
          e.count += row.count;
          e.totalMs += row.count * row.meanMs;
          ops.set(key, e);
        }
      }
    }
    bySide.set(side, ops);
  }
  const keys = [...new Set(sides.flatMap((s) => [...(bySide.get(s)?.keys() ?? [])]))];
  const cell = (/** @type {string} */ side, /** @type {string} */ key) => {
    const e = bySide.get(side)?.get(key);
    return e ? [fixed(e.count / answered[side], 3), fixed(e.totalMs / e.count, 2)] : ["-", "-"];
  };
  const lag = sides.map(
    (side) =>
      `${side}: ${runs
        .filter((r) => r.side === side)
        .map((r) => `${fixed(r.vigilInternals.eventLoopLagMs.p50)} / ${fixed(r.vigilInternals.eventLoopLagMs.p99)} / ${fixed(r.vigilInternals.eventLoopLagMs.max)}`)
        .join(", ")}`,
  );
  return [
    "",
    `Vigil internals over the measured rounds (its /metrics; calls per ${per} and mean ms):`,
    table(["timer", ...sides.flatMap((s) => [`${s} per ${per}`, "mean ms"])], keys.map((key) => [key, ...sides.flatMap((s) => cell(s, key))])),
    `event loop lag (p50 / p99 / max ms) per round: ${lag.join("; ")}`,
  ].join("\n");
}

/**
 * Each side's mean req/s, p50 and p99 over its measured runs, and whether all were clean.
 * @param {{ side: string, rps: number, latencyMs: { p50: number, p99: number }, clean: boolean }[]} runs
 * @param {string[]} names
 * @returns {Record<string, { rps: number, p50Ms: number, p99Ms: number, clean: boolean }>}
 */
export function meansBySide(runs, names) {
  return Object.fromEntries(
    names.map((name) => {
      const mine = runs.filter((r) => r.side === name);
      return [name, { rps: mean(mine.map((r) => r.rps)), p50Ms: mean(mine.map((r) => r.latencyMs.p50)), p99Ms: mean(mine.map((r) => r.latencyMs.p99)), clean: mine.every((r) => r.clean) }];
    }),
  );
}
