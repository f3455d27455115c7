import { describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";

type Event = { id: string; kind: string; agent_id: string | null; outcome: string; ts: string };

describe.each(inject("servers"))("audit query language over HTTP on $name", ({ baseUrl }) => {
  it("filters with the language, newest first, and pages with a cursor", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const agent = await agentWithCredential(baseUrl);
    await tokenFor(baseUrl, agent.clientId, agent.secret);
    await tokenFor(baseUrl, agent.clientId, agent.secret);
    await tokenFor(baseUrl, agent.clientId, "vgs_wrong").catch(() => "refused");

    const q = (query: string, extra = "") => call("GET", `/api/v1/audit?q=${encodeURIComponent(query)}${extra}`);
    const issued = await q(`kind=token.issued AND agent=${agent.id}`);
    expect(issued.status).toBe(200);
    const events = issued.json.events as Event[];
    expect(events.map((e) => e.kind)).toEqual(["token.issued", "token.issued"]);
    expect(Number(events[0]?.id)).toBeGreaterThan(Number(events[1]?.id));

    const failedOrIssued = await q(`agent=${agent.id} (kind~token OR kind=auth.failed) NOT outcome=success`);
    expect((failedOrIssued.json.events as Event[]).map((e) => e.kind)).toEqual(["auth.failed"]);

    const page = await q(`agent=${agent.id}`, "&n=2");
    expect((page.json.events as Event[]).length).toBe(2);
    const next = await q(`agent=${agent.id}`, `&n=2&cursor=${String(page.json.next_cursor)}`);
    // Newest first: auth.failed, token.issued | token.issued, credential.generated | agent.created
    expect((next.json.events as Event[]).map((e) => e.kind)).toEqual(["token.issued", "credential.generated"]);

    const since = events[1]?.ts ?? "";
    const recent = await call("GET", `/api/v1/audit?q=${encodeURIComponent(`agent=${agent.id}`)}&since=${encodeURIComponent(since)}`);
    expect((recent.json.events as Event[]).every((e) => e.ts >= since)).toBe(true);
  });

  it.each([
    ["(kind=token.issued", /position \d+: /],
    ["kind=", /position 6: /],
    ["colour=blue", /colour/],
    ["ip=::ffff:010.0.0.1", /position/],
  ])("answers the malformed query %s with a 400 that names the position", async (query, detail) => {
    const res = await api(baseUrl, await adminToken(baseUrl))("GET", `/api/v1/audit?q=${encodeURIComponent(query)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json.detail).toMatch(detail);
    expect((res.json.errors as { path: string }[])[0]?.path).toBe("q");
  });

  it("exports a range as NDJSON or CSV, streamed", async () => {
    const token = await adminToken(baseUrl);
    const agent = await agentWithCredential(baseUrl);
    const get = (format: string) =>
      fetch(`${baseUrl}/api/v1/audit?format=${format}&q=${encodeURIComponent(`agent=${agent.id}`)}`, { headers: { authorization: `Bearer ${token}` } });
    const ndjson = await get("ndjson");
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get("content-type")).toBe("application/x-ndjson");
    expect(ndjson.headers.get("content-disposition")).toBe('attachment; filename="vigil-audit.ndjson"');
    const kinds = (await ndjson.text()).trim().split("\n").map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds).toEqual(["credential.generated", "agent.created"]);
    const csv = await get("csv");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toMatch(/^id,ts,kind,/);
    expect(rows).toHaveLength(3);
    expect((await get("xml")).status).toBe(400);
  });

  it("refuses timestamps PostgreSQL cannot hold with a 400, not a 500", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    for (const since of ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"]) {
      const res = await call("GET", `/api/v1/audit?since=${encodeURIComponent(since)}`);
      expect(res.status, since).toBe(400);
      expect(res.json.detail).toMatch(/between the years 1 and 9999/);
    }
  });

  it("treats SQL in a query as the text it is", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const hostile = await call("GET", `/api/v1/audit?q=${encodeURIComponent(`"'; drop table audit_events; --"`)}`);
    expect(hostile.status).toBe(200);
    expect(hostile.json.events).toEqual([]);
    expect((await call("GET", "/api/v1/audit?n=1")).json.events).toHaveLength(1);
  });
});
