// Vigil's own /metrics, read before and after a run: its histograms say where a request's
// time goes (database round trips, audit group commits) and prom-client's event loop lag
// says whether JavaScript on the main thread is the bottleneck.

/**
 * @param {string} baseUrl
 * @returns {Promise<Map<string, number>>} "name{labels}" -> value; empty when unavailable
 */
export async function scrape(baseUrl) {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return new Map();
    return parse(await res.text());
  } catch {
    return new Map();
  }
}

/** @param {string} text Prometheus text exposition format */
export function parse(text) {
  const out = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    const value = Number(line.slice(cut + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, cut), value);
  }
  return out;
}

/**
 * Per-label-set count and mean of a histogram between two scrapes.
 * @param {Map<string, number>} before
 * @param {Map<string, number>} after
 * @param {string} name histogram name without _sum/_count
 * @returns {{ labels: string, count: number, meanMs: number }[]}
 */
export function histogramDelta(before, after, name) {
  const rows = [];
  for (const [key, count] of after) {
    if (!key.startsWith(`${name}_count`)) continue;
    const labels = key.slice(`${name}_count`.length);
    const n = count - (before.get(key) ?? 0);
    if (n <= 0) continue;
    const sum = (after.get(`${name}_sum${labels}`) ?? 0) - (before.get(`${name}_sum${labels}`) ?? 0);
    rows.push({ labels, count: n, meanMs: (sum / n) * 1000 });
  }
  return rows.sort((a, b) => b.count * b.meanMs - a.count * a.meanMs);
}

/**
 * prom-client resets its event loop delay histogram on every scrape, so the values in the
 * "after" scrape describe exactly the interval since the "before" scrape.
 * @param {Map<string, number>} after
 */
export function eventLoopLagMs(after) {
  const get = (/** @type {string} */ k) => {
    const v = after.get(`nodejs_eventloop_lag_${k}_seconds`);
    return v === undefined ? NaN : v * 1000;
  };
  return { p50: get("p50"), p99: get("p99"), max: get("max"), mean: get("mean") };
}
