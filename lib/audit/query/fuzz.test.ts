import { asc, count, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/audit-events";
import type { AuditEventView } from "@/lib/audit/list";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import type { QueryNode } from "./ast";
import { compileQuery, matchesEvent, parseQuery, QuerySyntaxError } from "./index";
import { corpus } from "./fuzz-corpus";
import { insertSamples, loadViews, SAMPLES } from "./sample-events";

const INPUTS = corpus();
type Outcome = { q: string; ast: QueryNode } | { q: string; error: unknown };
const RESULTS = INPUTS.map((q): Outcome => {
  try {
    return { q, ast: parseQuery(q) };
  } catch (error) {
    return { q, error };
  }
});
const PARSED = RESULTS.flatMap((r) => ("ast" in r ? [{ q: r.q, ast: r.ast }] : []));

describe("fuzz: parseQuery", () => {
  it(`returns a tree or throws QuerySyntaxError for ${INPUTS.length} inputs`, () => {
    const wrong = RESULTS.filter((r) => "error" in r && !(r.error instanceof QuerySyntaxError && r.error.fields[0]?.path === "q"));
    expect(wrong).toEqual([]);
    // The corpus must exercise both outcomes in bulk, or it proves little.
    expect(PARSED.length).toBeGreaterThan(1000);
    expect(INPUTS.length - PARSED.length).toBeGreaterThan(1000);
  });
});

describe.each(testTargets())("fuzz: compiled queries on $name", (target) => {
  let t: TestDatabase;
  let views: AuditEventView[];
  beforeAll(async () => {
    t = await target.open();
    await insertSamples(t.handle.db);
    views = await loadViews(t.handle.db);
  });
  afterAll(async () => t?.drop());

  it("runs every parsed query, and the database agrees with matchesEvent", async () => {
    // PGlite takes the bulk; a real server a slice spread over the corpus.
    const step = target.name === "pglite" ? 1 : Math.max(1, Math.floor(PARSED.length / 300));
    const failures: { q: string; problem: string }[] = [];
    let ran = 0;
    for (let i = 0; i < PARSED.length; i += step) {
      const entry = PARSED[i];
      if (!entry) continue;
      ran += 1;
      try {
        const rows = await t.handle.db.select({ id: auditEvents.id }).from(auditEvents).where(compileQuery(entry.ast)).orderBy(asc(auditEvents.id));
        const fromSql = rows.map((r) => r.id);
        const inMemory = views.filter((v) => matchesEvent(entry.ast, v)).map((v) => Number(v.id));
        if (fromSql.join() !== inMemory.join()) failures.push({ q: entry.q, problem: `sql ${fromSql.join()} vs memory ${inMemory.join()}` });
      } catch (error) {
        failures.push({ q: entry.q, problem: String(error instanceof Error ? (error.cause ?? error.message) : error) });
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(Math.min(PARSED.length, 300));
  }, 60_000);

  it("still has every row afterwards", async () => {
    const [row] = await t.handle.db.select({ n: count() }).from(auditEvents);
    expect(row?.n).toBe(Object.keys(SAMPLES).length);
    const tables = await t.handle.db.execute(sql`select to_regclass('public.audit_events') is not null as present`);
    expect(JSON.stringify(tables)).toContain('"present":true');
  });
});
