import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { exportAudit } from "./export";
import { listAuditInput } from "./list";
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
});
