import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { actorWith } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { exportAudit } from "./export";

const reader = actorWith("audit:read");

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
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
    const lines = (await text(exportAudit(t.handle.db, reader, { q: "kind=token.issued" }, "ndjson"))).trim().split("\n");
    expect(lines).toHaveLength(1250);
    const ids = lines.map((l) => Number((JSON.parse(l) as { id: string }).id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(1250);
  });

  it("writes RFC 4180 CSV with a header, quoting, and formula cells defused", async () => {
    const csv = await text(exportAudit(t.handle.db, reader, {}, "csv"));
    const [header] = csv.split("\r\n");
    expect(header).toBe("id,ts,kind,actor,agent_id,client_id,outcome,ip,user_agent,request_id,alertname,rule,labels,metadata");
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain('"a ""quoted"", multi\nline agent"');
    expect(csv.match(/\r\n(?=\d)/g)?.length).toBe(2500);
  });

  it("refuses a caller without audit:read and a bad query before streaming anything", () => {
    expect(() => exportAudit(t.handle.db, actorWith("agents:read"), {}, "ndjson")).toThrow(ForbiddenError);
    expect(() => exportAudit(t.handle.db, reader, { q: "(" }, "csv")).toThrow(ValidationError);
  });
});
