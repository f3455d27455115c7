import type { AuditEvent } from "@vigil/client";
import { Command, Option } from "commander";
import { CliError, EXIT, type ExitCode } from "../exit-codes";
import { json, keyValues, progress, table } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";
import { timeArg } from "../time-arg";
import { positiveInt } from "./agents";
import { eventColumns, eventLine } from "./audit-format";
import { RecordCounter } from "./record-counter";

type QueryOpts = { since?: string; until?: string; limit?: number; json?: boolean; ndjson?: boolean; csv?: boolean };

export function registerAudit(program: Command, ctx: Ctx): void {
  const { io, run, signal } = ctx;
  const audit = program.command("audit").description("query, follow and verify the audit log");

  audit
    .command("query")
    .description("events matching a query (Vigil's `q` language, e.g. 'kind:token.issued outcome:failure'), newest first")
    .argument("[query]", "the query; empty for every event")
    .option("--since <time>", "from this time (RFC 3339, or an age: 30m, 12h, 7d)", timeArg())
    .option("--until <time>", "up to this time (RFC 3339, or an age)", timeArg())
    .option("--limit <n>", "at most this many events (default 50 in a table, 100 in JSON; NDJSON and CSV: the whole range)", positiveInt)
    .addOption(jsonOption().conflicts(["ndjson", "csv"]))
    .addOption(new Option("--ndjson", "stream the range as NDJSON (one event per line)").conflicts(["csv"]))
    .addOption(new Option("--csv", "stream the range as CSV"))
    .addHelpText("after", "\nProgress of NDJSON and CSV exports goes to stderr; the data alone to stdout.")
    .action(
      run(async (query: string | undefined, opts: QueryOpts) => {
        const { client } = await openSession(io);
        const range = { q: query, since: opts.since, until: opts.until };
        if (opts.ndjson || opts.csv) return exportRange(ctx, client, opts.ndjson ? "ndjson" : "csv", range, opts.limit);
        const limit = opts.limit ?? (opts.json ? 100 : 50);
        const events: AuditEvent[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.audit.query({ ...range, n: Math.min(1000, limit - events.length), cursor }, signal);
          events.push(...page.events);
          cursor = page.next_cursor ?? undefined;
        } while (cursor && events.length < limit);
        if (opts.json) io.out(json(events));
        else io.out(events.length === 0 ? "no events\n" : table(events, eventColumns));
      }),
    );

  audit
    .command("tail")
    .description("follow new events as they are written (resumes after a disconnect without missing any)")
    .argument("[query]", "only events matching this query")
    .option("--after <event-id>", "start after this event id instead of now (replays what came since)")
    .addOption(new Option("--json", "one JSON event per line (NDJSON)"))
    .action(
      run(async (query: string | undefined, opts: { after?: string; json?: boolean }): Promise<ExitCode> => {
        if (opts.after !== undefined && !/^\d{1,15}$/.test(opts.after)) throw new CliError(EXIT.USAGE, "--after is an event id (digits)");
        const { client } = await openSession(io);
        const stream = client.audit.tail({
          q: query,
          lastEventId: opts.after,
          signal,
          onReconnect: ({ lastEventId, delayMs, reason }) =>
            io.err(`vigil: stream interrupted (${reason}); reconnecting in ${Math.round(delayMs / 100) / 10}s after event ${lastEventId ?? "(start)"}\n`),
        });
        for await (const item of stream) {
          if (item.type === "ready") {
            // Said once the stream is open: what is written from now on will be shown.
            if (item.resumed) io.err(`vigil: resumed after event ${item.lastEventId ?? "(start)"}\n`);
            else io.err(`following the audit log${query ? ` for ${JSON.stringify(query)}` : ""} after event ${item.lastEventId ?? "(start)"} (Ctrl-C to stop)\n`);
            continue;
          }
          if (item.type === "end") {
            io.err(`vigil: the stream ended: ${item.reason}\n`);
            return EXIT.AUTH;
          }
          io.out(opts.json ? `${JSON.stringify(item.event)}\n` : `${eventLine(item.event)}\n`);
        }
        return signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
      }),
    );

  audit
    .command("verify")
    .description("recompute the signed checkpoints and the events they seal; names the first mismatch")
    .option("--since <time>", "recompute checkpoints from this time (RFC 3339, or an age); the chain is always walked whole", timeArg())
    .option("--until <time>", "up to this time", timeArg())
    .addOption(jsonOption())
    .action(
      run(async (opts: { since?: string; until?: string; json?: boolean }): Promise<ExitCode> => {
        const { client } = await openSession(io);
        const bar = progress(io);
        const newest = (await client.audit.checkpoints({ n: 1 })).checkpoints[0];
        const started = Date.now();
        const what = `verifying ${newest ? `${newest.seq} checkpoint${newest.seq === 1 ? "" : "s"}` : "the log (no checkpoint yet)"}`;
        bar.update(`${what}…`);
        const timer = setInterval(() => bar.update(`${what}… ${Math.round((Date.now() - started) / 1000)}s`), 1000);
        let report;
        try {
          report = await client.audit.verify({ since: opts.since, until: opts.until }, signal);
        } finally {
          clearInterval(timer);
        }
        bar.done(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        if (opts.json) io.out(json(report));
        else {
          const { finding, ...counts } = report;
          io.out(`${report.ok ? "ok: the audit log matches its signed checkpoints" : `MISMATCH at checkpoint ${finding?.seq}: ${finding?.problem}: ${finding?.detail}`}\n${keyValues(counts)}`);
        }
        return report.ok ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}

/** NDJSON/CSV straight from the server to stdout, counted on stderr, cut at --limit records. */
async function exportRange(ctx: Ctx, client: Awaited<ReturnType<typeof openSession>>["client"], format: "ndjson" | "csv", range: { q?: string; since?: string; until?: string }, limit?: number) {
  const { io, signal } = ctx;
  const bar = progress(io);
  const body = await client.audit.export(format, range, signal);
  const counter = new RecordCounter(format === "csv", limit);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let lastShown = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const { keep, complete } = counter.feed(decoder.decode(value, { stream: true }));
      io.out(keep);
      if (counter.records - lastShown >= 1000) {
        lastShown = counter.records;
        bar.update(`exported ${counter.records} events…`);
      }
      if (complete) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  bar.done(`exported ${counter.records} event${counter.records === 1 ? "" : "s"} as ${format.toUpperCase()}${limit !== undefined && counter.records >= limit ? ` (--limit ${limit})` : ""}`);
}
