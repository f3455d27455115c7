// One export through GET /api/v1/audit?format=ndjson|csv read as a stream, as a client
// saving it would: lines counted and ids checked on the fly (strictly descending, each one a
// row), never the whole body in memory. The bench process shares the machine's cores with
// Vigil and PostgreSQL, so it only looks at the first bytes of each line (the seeded events
// hold no line breaks inside a CSV field).
import http from "node:http";
import { cpuPercent, cpuSnapshot, mainThread, processTree, schedPercent, schedSnapshot } from "./cpu.mjs";
import { fixed, heading, table } from "./format.mjs";
import { backendPids } from "./pg.mjs";

const NEWLINE = 0x0a;
// The rows Vigil reads per page (lib/audit/export.ts), for the plan shown next to the figures.
const EXPORT_PAGE = 5000;

/**
 * @param {string} url full URL with the query string
 * @param {string} token bearer token
 * @param {"ndjson" | "csv"} format
 * @returns {Promise<{ status: number, rows: number, bytes: number, ms: number, first_byte_ms: number, descending: boolean, bad_line: string | null }>}
 */
export function streamExport(url, token, format) {
  // NDJSON lines start {"id":"<digits>", CSV records <digits>, after a header line.
  const idAt = format === "ndjson" ? 7 : 0;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByte = 0;
    let rows = 0;
    let bytes = 0;
    let previous = Number.POSITIVE_INFINITY;
    let descending = true;
    /** @type {string | null} */
    let badLine = null;
    let header = format === "csv";
    /** @type {Buffer | null} the start of a line split across chunks */
    let carry = null;
    const line = (/** @type {Buffer} */ buf, /** @type {number} */ start) => {
      if (header) {
        header = false;
        return;
      }
      let id = 0;
      let i = start + idAt;
      for (; i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39; i++) id = id * 10 + (buf[i] - 0x30);
      if (i === start + idAt || id >= previous) {
        descending = false;
        badLine ??= buf.subarray(start, start + 80).toString();
      }
      previous = id;
      rows++;
    };
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => reject(new Error(`export ${format} -> HTTP ${res.statusCode} ${text.slice(0, 300)}`)));
        return;
      }
      res.on("data", (/** @type {Buffer} */ chunk) => {
        if (!firstByte) firstByte = performance.now() - t0;
        bytes += chunk.length;
        let start = 0;
        if (carry) {
          const end = chunk.indexOf(NEWLINE);
          if (end < 0) {
            carry = Buffer.concat([carry, chunk]);
            return;
          }
          line(Buffer.concat([carry, chunk.subarray(0, end + 1)]), 0);
          carry = null;
          start = end + 1;
        }
        for (let end = chunk.indexOf(NEWLINE, start); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
          line(chunk, start);
          start = end + 1;
        }
        if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
      });
      res.on("end", () => {
        if (carry) line(carry, 0);
        resolve({ status: 200, rows, bytes, ms: performance.now() - t0, first_byte_ms: firstByte, descending, bad_line: badLine });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/**
 * The export measurement: both formats over `range`, each checked against COUNT(*) of the
 * same filter and for strictly descending ids, with where the CPU went meanwhile (Vigil and
 * its event-loop thread, the bench database's backends, this process reading the stream).
 * @param {{ log: (line: string) => void }} ctx
 * @param {{ vigil: import("./vigil.mjs").Vigil, db: import("./pg.mjs").BenchDatabase, token: string, range: { since: string, until: string },
 *   plan: (q: { label: string, q: string, since: string, until: string, limit: number }) => { indexes: string[], seq_scans: number, execution_ms: number } }} opts
 */
export async function exportSection(ctx, { vigil, db, token, range, plan }) {
  const [{ n: expected }] = await db.sql`select count(*)::int as n from audit_events where ts >= ${range.since} and ts <= ${range.until}`;
  const firstPage = plan({ label: "export page", q: "", ...range, limit: EXPORT_PAGE });
  const pid = vigil.service.child.pid ?? -1;
  /** @type {number[]} */
  let backends = [];
  const groups = { vigil: () => processTree(pid), "postgres (bench db)": () => backends };
  const results = [];
  for (const format of /** @type {const} */ (["ndjson", "csv"])) {
    ctx.log(`exporting ${expected.toLocaleString("en")} events as ${format}...`);
    backends = await backendPids(db.sql, db.name);
    const before = cpuSnapshot(groups);
    const sched = schedSnapshot(mainThread(pid)[0]);
    const r = await streamExport(`${vigil.baseUrl}/api/v1/audit?format=${format}&since=${encodeURIComponent(range.since)}&until=${encodeURIComponent(range.until)}`, token, format);
    const cpu = cpuPercent(before, cpuSnapshot(groups));
    const thread = schedPercent(sched, schedSnapshot(mainThread(pid)[0]));
    results.push({ format, ...r, expected, rows_per_s: r.rows / (r.ms / 1000), mb_per_s: r.bytes / 1e6 / (r.ms / 1000), cpu, main_thread: thread });
  }
  console.log(heading(`audit export over HTTP: ${range.since} .. ${range.until}, streamed (goal >= 100,000 rows/s)`));
  console.log(
    table(
      ["format", "rows", "= count(*)", "ids desc", "seconds", "rows/s", "MB/s", "first byte ms", "CPU% Vigil", "main thr run/wait", "postgres", "bench", "rows/s / 100k"],
      results.map((r) => [
        r.format,
        r.rows,
        r.rows === expected ? "yes" : `NO (${expected})`,
        r.descending ? "yes" : `NO: ${r.bad_line}`,
        fixed(r.ms / 1000, 2),
        Math.round(r.rows_per_s),
        fixed(r.mb_per_s),
        fixed(r.first_byte_ms),
        fixed(r.cpu.vigil),
        r.main_thread ? `${fixed(r.main_thread.runPercent)}/${fixed(r.main_thread.waitPercent)}` : "n/a",
        fixed(r.cpu["postgres (bench db)"]),
        fixed(r.cpu["load generator (bench)"]),
        fixed(r.rows_per_s / 100_000, 2),
      ]),
    ),
  );
  console.log(`plan of an export page (${EXPORT_PAGE.toLocaleString("en")} rows): ${firstPage.indexes.join(", ") || "-"}; ${firstPage.seq_scans} seq scans; ${fixed(firstPage.execution_ms)} ms in the database`);
  const slowest = Math.min(...results.map((r) => r.rows_per_s));
  const correct = results.every((r) => r.rows === expected && r.descending);
  const small = expected < 1_000_000 ? ` (only ${expected.toLocaleString("en")} rows: a small run)` : "";
  console.log(`goal: export >= 100,000 rows/s -> slowest ${Math.round(slowest).toLocaleString("en")} rows/s = ${fixed(slowest / 100_000, 2)}x the goal${small}, rows ${correct ? "all there, in order" : "WRONG"}: ${correct && slowest >= 100_000 ? "MET" : "NOT MET"}`);
  return { range, expected, plan: firstPage, runs: results };
}
