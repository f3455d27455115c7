import { asc, count, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/audit-events";
import type { AuditEventView } from "@/lib/audit/list";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { compileQuery, matchesEvent, parseQuery } from "./index";
import { parseInet, inetMatches } from "./ip";
import { jsonbText } from "./json-text";
import { foldCase } from "./match-event";
import { AGENT_A, insertSamples, loadViews, SAMPLES } from "./sample-events";

const ALL = Object.keys(SAMPLES);

/** db.execute answers an array on postgres.js and { rows } on PGlite. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}
const except = (...keys: string[]) => ALL.filter((k) => !keys.includes(k));

/** Query → the sample keys it must select (null: only SQL/in-memory agreement is checked). */
const CASES: [string, string[] | null][] = [
  // The spec's examples.
  ["kind=action_fail OR alertname=HighCPU", ["r01", "r03", "r13", "r14", "r15", "r24", "r25"]],
  ["kind=action_ok AND alertname=TcpEndpointDownFast", ["r02"]],
  ["(kind~token AND NOT outcome=success) OR label.severity=critical", ["r01", "r03", "r05"]],
  [`ts>=2026-11-01T00:00:00Z agent=${AGENT_A}`, ["r04", "r30"]],
  // Columns, case and negation with NULLs.
  [`agent=${AGENT_A.toUpperCase()}`, ["r01", "r04", "r30"]],
  ["agent~4F0C1A2B", ["r01", "r04", "r30"]],
  ["NOT outcome=success", ["r01", "r05", "r09", "r13", "r14", "r15", "r24"]],
  ["alertname!=HighCPU", except("r01", "r03", "r24")],
  ["NOT alertname=HighCPU", except("r01", "r03", "r24")],
  ["NOT (alertname=HighCPU OR label.severity=critical)", except("r01", "r03", "r24")],
  ["NOT NOT alertname=HighCPU", ["r01", "r03", "r24"]],
  ["client_id!=cli-1 AND kind=token.issued", ["r23", "r30"]],
  ["kind=Login", []],
  ["kind~LOGIN", ["r09", "r10", "r11"]],
  ["actor~ΩMEGA", ["r20"]],
  // Labels and metadata.
  ["label.severity~crit", ["r01", "r03", "r19"]],
  ["label.severity!=critical", except("r01", "r03")],
  ["label.app.kubernetes.io/name=api", ["r29"]],
  ["meta.reason~SCOPE", ["r05"]],
  ["meta.request.aud=svc", ["r05"]],
  ["meta.request.depth.n>=7", ["r05"]],
  ["meta.request.depth.n=7 OR meta.request=svc", ["r05"]],
  ["meta.attempts>2.5", ["r01", "r13"]],
  ["meta.attempts<=2.5", ["r15"]],
  ["NOT meta.attempts>2.5", except("r01", "r13")],
  ["meta.attempts=3", ["r01"]],
  ["meta.big>999999999999999999999 meta.big=1000000000000000000000", ["r16"]],
  ["meta.tiny=0.00000015 meta.tiny<1.6e-7 meta.tiny>1.4e-7", ["r16"]],
  ["meta.list.-1.three=3 OR meta.list.1=two OR meta.list.0>0", ["r17"]],
  ["meta.list~two", ["r17"]],
  // Array steps read the way PostgreSQL's strtol does: sign, leading zeros, int range.
  ["meta.list.+1=two meta.list.01=two meta.list.-0=1", ["r17"]],
  ["meta.list.-4=1 OR meta.list.99999999999=1 OR meta.list.x=1 OR meta.list.1.0=t", []],
  ["meta.flag=true", ["r18"]],
  ["meta.nothing!=x", ALL],
  ['meta.nested.reason=inner meta.nested~"\\"key with space\\": \\"quote"', ["r25"]],
  ["meta.sql~\"'; drop\"", ["r26"]],
  // LIKE wildcards are literal.
  ["alertname~%", ["r21"]],
  ["rule~a_b", ["r21"]],
  ['request_id~"100%_"', ["r07"]],
  ['client_id~"\\\\"', ["r23"]],
  // Addresses.
  ["ip=10.0.0.0/8", ["r01", "r02", "r12", "r30"]],
  ["ip=10.0.0.5", ["r01", "r12"]],
  ["ip=10.0.0.5/8", ["r01", "r02", "r12", "r30"]],
  ["ip=2001:db8::/48", ["r09"]],
  ["ip=2001:db8::/32", ["r09", "r10"]],
  ["ip=2001:0db8:0:0:0:0:0:1", ["r09"]],
  ["ip=::ffff:10.0.0.0/104", ["r11"]],
  ["ip!=192.168.1.0/24", except("r04", "r05")],
  ["ip~192.168.", ["r04", "r05"]],
  // Time, at the view's millisecond precision.
  ["ts>=2026-11-01 ts<2026-11-02", ["r02", "r03", "r28"]],
  ["ts=2026-11-01T00:00:00Z", ["r02", "r28"]],
  ["ts>2026-11-01T00:00:00Z ts<2026-11-01T00:00:00.002Z", ["r03"]],
  ["ts<=2026-11-01T01:00:00+01:00", ["r01", "r02", "r27", "r28"]],
  ["ts<2026-01-01", ["r27"]],
  ["ts!=2026-11-01T00:00:00.0009Z AND ts<2026-11-01T00:00:00.002Z", ["r01", "r03", "r27"]],
  ["id>=5 id<8", ["r05", "r06", "r07"]],
  ["id!=1 id<=3", ["r02", "r03"]],
  // Free text.
  ["restart", ["r01"]],
  ['"exit code"', ["r01"]],
  ["example.com", ["r04", "r07"]],
  ["état", ["r20"]],
  ["infra", ["r01", "r29"]],
  ["CRITICAL", ["r01", "r03", "r19"]],
  ["critique", ["r20"]],
  ['"drop table"', ["r26"]],
  ["svc:write OR naïve", ["r04", "r20"]],
  ["NOT token", except("r04", "r05", "r06", "r23", "r30")],
  ["", ALL],
];

describe.each(testTargets())("compileQuery on $name", (target) => {
  let t: TestDatabase;
  let ids: Record<string, number>;
  let views: AuditEventView[];
  beforeAll(async () => {
    t = await target.open();
    ids = await insertSamples(t.handle.db);
    views = await loadViews(t.handle.db);
  });
  afterAll(async () => t?.drop());

  const select = async (q: string) => {
    const rows = await t.handle.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(compileQuery(parseQuery(q)))
      .orderBy(asc(auditEvents.id));
    return rows.map((r) => r.id);
  };

  it.each(CASES)("%s", async (q, expected) => {
    const fromSql = await select(q);
    const inMemory = views.filter((v) => matchesEvent(parseQuery(q), v)).map((v) => Number(v.id));
    expect(fromSql).toEqual(inMemory);
    if (expected) expect(fromSql).toEqual(expected.map((k) => ids[k]).sort((a = 0, b = 0) => a - b));
  });

  it("binds user text as parameters only", () => {
    const query = t.handle.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(compileQuery(parseQuery(`meta.a.b="'; drop table x; --" label.x~y' 'o'' ip=10.0.0.0/8 ts>2026-01-01`)))
      .toSQL();
    expect(query.sql).not.toMatch(/drop|'o'|10\.0|2026|"a"/);
    expect(query.params).toEqual(expect.arrayContaining(["'; drop table x; --", "a", "b", "%y'%", "10.0.0.0/8"]));
  });

  it("prints jsonb the way the database does", async () => {
    const rows = await t.handle.db.execute(sql`select metadata::text as m, labels::text as l from audit_events order by id`);
    const texts = rowsOf<{ m: string; l: string | null }>(rows).map((r) => [r.m, r.l]);
    expect(texts).toEqual(views.map((v) => [jsonbText(v.metadata), v.labels === null ? null : jsonbText(v.labels)]));
  });

  it("folds case like ILIKE and matches addresses like inet", async () => {
    const words = ["É", "é", "Ω", "ω", "İ", "i", "ΑΣ", "ας", "σ", "ß", "SS", "Ǆ", "ǆ", "ǅ", "K", "K", "k"];
    for (const a of words) {
      for (const b of words) {
        const rows = await t.handle.db.execute(sql`select (${a}::text ilike ${b}::text) as m`);
        const [row] = rowsOf<{ m: boolean }>(rows);
        expect([a, b, row?.m]).toEqual([a, b, foldCase(a).includes(foldCase(b)) && foldCase(b).includes(foldCase(a))]);
      }
    }
    const stored = ["10.0.0.5", "10.1.0.0/16", "::ffff:10.0.0.7", "2001:db8::1", "0.0.0.0", "255.255.255.255"];
    const values = ["10.0.0.5", "10.0.0.0/8", "10.1.0.0/16", "10.1.0.0/15", "010.0.0.5", "::ffff:10.0.0.0/120", "2001:db8::/32", "::", "::/0", "0.0.0.0/0", "1:2:3:4:5:6:7::", "::1.2.3.4"];
    for (const s of stored) {
      for (const v of values) {
        const parsed = parseInet(v);
        if (!parsed) throw new Error(`${v} should parse`);
        const op = parsed.prefix === null ? sql`=` : sql`<<=`;
        const rows = await t.handle.db.execute(sql`select (${s}::inet ${op} ${v}::inet) as m, abbrev(${s}::inet) as text`);
        const [row] = rowsOf<{ m: boolean; text: string }>(rows);
        expect([s, v, row?.m]).toEqual([s, v, inetMatches(row?.text ?? "", parsed)]);
      }
    }
  });

  it("leaves the table alone", async () => {
    await select("'; drop table audit_events; --");
    const [row] = await t.handle.db.select({ n: count() }).from(auditEvents);
    expect(row?.n).toBe(ALL.length);
  });
});
