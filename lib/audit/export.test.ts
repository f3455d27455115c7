import { desc, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, type NewAuditEvent } from "@/drizzle/schema";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { exportAudit } from "./export";
import { listAuditInput, toView } from "./list";
import { readAudit, type AuditRead } from "./read";

const reader = actorWith("audit:read");

async function text(read: Promise<AuditRead>): Promise<string> {
  const value = await read;
  if (value.format === "json") throw new Error("expected a stream");
  return new Response(value.stream).text();
}

describe.each(testTargets())("audit export on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      kind: i % 2 ? "token.issued" : "auth.failed",
      actor: i === 7 ? '=HYPERLINK("http://evil")' : `agent:${i}`,
      outcome: "success" as const,
      userAgent: i === 8 ? 'a "quoted", multi\nline agent' : null,
      metadata: { i },
    }));
    for (let i = 0; i < rows.length; i += 500) await t.handle.db.insert(auditEvents).values(rows.slice(i, i + 500));
  });
  afterAll(async () => t?.drop());

  it("streams every matching event as NDJSON across pages, newest first", async () => {
    const lines = (await text(readAudit(ctxFor(t.handle.db, reader), { q: "kind=token.issued", format: "ndjson" }))).trim().split("\n");
    expect(lines).toHaveLength(1250);
    const ids = lines.map((l) => Number((JSON.parse(l) as { id: string }).id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(1250);
  });

  it("reads ahead page by page without losing or repeating a row, whatever the page size", async () => {
    // 1,250 matches: a full page and a short one, two full pages and an empty read, one short page.
    for (const pageSize of [1000, 625, 2500]) {
      const body = await new Response(exportAudit(t.handle.db, listAuditInput.parse({ q: "kind=token.issued" }), "ndjson", pageSize)).text();
      const ids = body.trim().split("\n").map((l) => Number((JSON.parse(l) as { id: string }).id));
      expect(ids).toHaveLength(1250);
      expect(ids.every((id, i) => i === 0 || id < (ids[i - 1] ?? 0))).toBe(true);
    }
  });

  it("writes RFC 4180 CSV with a header, quoting, and formula cells defused", async () => {
    const csv = await text(readAudit(ctxFor(t.handle.db, reader), { format: "csv" }));
    const [header] = csv.split("\r\n");
    expect(header).toBe("id,ts,kind,actor,agent_id,client_id,outcome,ip,user_agent,request_id,alertname,rule,labels,metadata");
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain('"a ""quoted"", multi\nline agent"');
    expect(csv.match(/\r\n(?=\d)/g)?.length).toBe(2500);
  });

  it("refuses a caller without audit:read and a bad query before streaming anything", async () => {
    await expect(readAudit(ctxFor(t.handle.db, actorWith("agents:read")), { format: "ndjson" })).rejects.toThrow(ForbiddenError);
    await expect(readAudit(ctxFor(t.handle.db, reader), { q: "(", format: "csv" })).rejects.toThrow(ValidationError);
  });

  // PostgreSQL formats the export (lib/audit/export.ts); the list API's view is made in
  // JavaScript. Every kind of value an event holds must come out the same in both.
  describe("formatted by PostgreSQL, the same events as the list's view", () => {
    const odd: NewAuditEvent[] = [
      { kind: "x.view", actor: "user:ann", actorChain: ["agent:a", "agent:b"], agentId: "6f1c1a4e-0000-4000-8000-000000000001", clientId: "vgc_1", outcome: "denied", ip: "2001:db8::7", userAgent: 'curl "8"\n\ttab,comma', requestId: "req-é", alertname: "HighLatency", rule: "restart", labels: { severity: "page", "ключ": "значение" }, metadata: { nested: { list: [1, 2.5, -3e-7, true, null], s: "quote \" backslash \\ ünï 😀 \u2028" }, big: 12345678901234, empty: {} } },
      { kind: "x.view", actor: "agent:z", ip: "10.0.0.9", outcome: "success", metadata: {} },
      { kind: "x.view", actor: "-1+1", outcome: "failure", labels: {}, metadata: { "=cmd": "@SUM(A1)" } },
    ];
    beforeAll(async () => {
      await t.handle.db.insert(auditEvents).values(odd);
    });
    const stored = () => t.handle.db.select().from(auditEvents).where(like(auditEvents.kind, "x.view")).orderBy(desc(auditEvents.id));

    it("NDJSON: each line is the view, key for key and in the same order", async () => {
      const lines = (await text(readAudit(ctxFor(t.handle.db, reader), { q: "kind=x.view", format: "ndjson" }))).trim().split("\n");
      const views = (await stored()).map(toView);
      expect(lines).toHaveLength(3);
      lines.forEach((line, i) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const view = JSON.parse(JSON.stringify(views[i])) as Record<string, unknown>;
        expect(parsed).toStrictEqual(view);
        expect(Object.keys(parsed)).toEqual(Object.keys(view));
      });
      // Outside labels and metadata the line is the bytes JSON.stringify writes.
      const withoutJson = (line: string) => line.replace(/,"labels":.*$/s, "");
      expect(lines.map(withoutJson)).toEqual(views.map((v) => withoutJson(JSON.stringify(v))));
    });

    it("CSV: each cell is the view's, JSON cells equal as JSON", async () => {
      const records = parseCsv(await text(readAudit(ctxFor(t.handle.db, reader), { q: "kind=x.view", format: "csv" })));
      const [header, ...rows] = records;
      const views = (await stored()).map(toView);
      expect(rows).toHaveLength(3);
      rows.forEach((cells, i) => {
        const view = views[i] as Record<string, unknown>;
        header?.forEach((column, c) => {
          const cell = cells[c] ?? "";
          const value = view[column];
          if (value === null || value === undefined) expect(cell, column).toBe("");
          else if (typeof value === "string") expect(cell, column).toBe(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
          else expect(JSON.parse(cell), column).toStrictEqual(value);
        });
      });
    });
  });
});

/** RFC 4180, enough for the tests: quoted fields with doubled quotes and line breaks. */
function parseCsv(input: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quoted) {
      if (ch === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\r" && input[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += ch;
  }
  return records;
}
