import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EVENT_SOURCE_CLIENTS, EventSourceRecorder } from "@/lib/testing/event-source";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { SseReader, type SseBlock } from "@/lib/testing/sse-reader";
import { adminToken, agentInput, agentWithCredential, api, basic, tokenFor } from "../support/client";
import { TcpRelay } from "../support/tcp-relay";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

type Event = { id: string; kind: string; agent_id: string | null };

/** An SSE connection as a browser or curl would hold it. */
async function connect(baseUrl: string, token: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/events?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const stream = res.ok && res.body ? new SseReader(res.body) : null;
  return {
    res,
    stream: () => {
      if (!stream) throw new Error(`no stream: ${res.status}`);
      return stream;
    },
    /** The opening event, naming the id the stream starts after: the server has subscribed once it is read. */
    ready: async () => {
      const opening = await stream?.next();
      expect(opening?.retry).toBe("3000");
      expect(opening?.event).toBe("ready");
      expect(opening?.data).toBe(JSON.stringify({ last_event_id: opening?.id }));
      return opening?.id ?? "";
    },
    drop: async () => {
      await stream?.cancel();
      abort.abort();
    },
  };
}

async function subscribersOn(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^vigil_sse_subscribers (\d+)$/m.exec(text)?.[1]);
}

const view = (b: SseBlock) => JSON.parse(b.data ?? "null") as Event;

describe.each(inject("servers"))("live stream over HTTP on $name", ({ baseUrl }) => {
  it("answers with SSE headers, a retry hint and an opening event naming its starting id, then each new matching event", async () => {
    const token = await adminToken(baseUrl);
    const agent = await agentWithCredential(baseUrl);
    const sse = await connect(baseUrl, token, { q: `kind=token.issued AND agent=${agent.id}` });
    expect(sse.res.status).toBe(200);
    expect(sse.res.headers.get("content-type")).toBe("text/event-stream");
    expect(sse.res.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(sse.res.headers.get("x-accel-buffering")).toBe("no");
    expect(sse.res.headers.get("x-request-id")).toBeTruthy();
    const start = await sse.ready();
    expect(start).toMatch(/^\d+$/);
    await tokenFor(baseUrl, agent.clientId, agent.secret);
    const got = await sse.stream().nextEvent();
    expect(view(got ?? { comments: [] })).toMatchObject({ kind: "token.issued", agent_id: agent.id });
    expect(Number(got?.id)).toBeGreaterThan(Number(start));
    await sse.drop();
  });

  it.each(EVENT_SOURCE_CLIENTS)("an npm $name client that loses its connection before any event gets what was committed meanwhile, on its own reconnection", async (client) => {
    const agent = await agentWithCredential(baseUrl);
    const q = `kind=token.issued AND agent=${agent.id}`;
    const relay = await TcpRelay.start(baseUrl);
    const es = new EventSourceRecorder(client, `${relay.url}/api/v1/events?${new URLSearchParams({ q })}`, { authorization: `Bearer ${await adminToken(baseUrl)}` });
    try {
      await es.until(() => es.of("ready").length === 1);
      expect(es.received.map((r) => r.type)).toEqual(["ready"]);
      const start = es.of("ready")[0]?.lastEventId ?? "";
      expect(start).toMatch(/^\d+$/);

      // The connection drops with nothing but the opening received; the client's own
      // reconnection (after the server's retry: 3000) waits at the relay until released.
      relay.hold();
      relay.cut();
      await es.until(() => es.errors === 1);
      await tokenFor(baseUrl, agent.clientId, agent.secret);
      relay.release();
      await es.until(() => es.opens === 2);
      await tokenFor(baseUrl, agent.clientId, agent.secret);
      const listed = await api(baseUrl, await adminToken(baseUrl))("GET", `/api/v1/audit?q=${encodeURIComponent(q)}`);
      const committed = (listed.json.events as Event[]).map((e) => e.id).reverse();
      expect(committed).toHaveLength(2);
      await es.until(() => es.of("message").some((m) => m.lastEventId === committed[1]));

      // A reconnection without Last-Event-ID would start after the first token: it would be missing.
      expect(es.of("message").map((m) => m.lastEventId)).toEqual(committed);
      expect(es.of("message").map((m) => JSON.parse(m.data) as Event)).toMatchObject(committed.map((id) => ({ id, kind: "token.issued", agent_id: agent.id })));
      // The second stream opened where the first did: it was asked to resume from there.
      expect(es.of("ready")).toEqual([0, 1].map(() => ({ type: "ready", lastEventId: start, data: JSON.stringify({ last_event_id: start }) })));
      expect(es.opens).toBe(2);
    } finally {
      es.close();
      await relay.stop();
    }
  });

  it("refuses a malformed query or Last-Event-ID with a 400 problem before any stream", async () => {
    const token = await adminToken(baseUrl);
    const bad = await connect(baseUrl, token, { q: "(kind=token.issued" });
    expect(bad.res.status).toBe(400);
    expect(bad.res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await bad.res.json()) as { detail: string; errors: { path: string }[] };
    expect(problem.detail).toMatch(/^position \d+: /);
    expect(problem.errors[0]?.path).toBe("q");
    const badId = await connect(baseUrl, token, {}, { "last-event-id": "not-an-id" });
    expect(badId.res.status).toBe(400);
    expect(((await badId.res.json()) as { detail: string }).detail).toMatch(/Last-Event-ID/);
  });

  it("refuses a caller without audit:read with a 403, and an anonymous one with a 401", async () => {
    const plain = await agentWithCredential(baseUrl, { allowed_scopes: ["svc:read"] });
    const denied = await connect(baseUrl, await tokenFor(baseUrl, plain.clientId, plain.secret));
    expect(denied.res.status).toBe(403);
    expect(denied.res.headers.get("content-type")).toBe("application/problem+json");
    expect(denied.res.headers.get("www-authenticate")).toContain('scope="audit:read"');
    const anonymous = await fetch(`${baseUrl}/api/v1/events`);
    expect(anonymous.status).toBe(401);
  });

  it("ends a stream as soon as its token is revoked or its agent suspended, with an end event saying why, and refuses the reconnection", async () => {
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["audit:read"] });
    const watcher = agent.id;
    const revoked = await tokenFor(baseUrl, agent.clientId, agent.secret);
    const first = await connect(baseUrl, revoked, { q: `agent=${watcher}` });
    await first.ready();
    const revoke = await fetch(`${baseUrl}/api/v1/revoke`, {
      method: "POST",
      headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: revoked }),
    });
    expect(revoke.status).toBe(200);
    // The revocation's own token.revoked event matches the filter: it must not be delivered.
    expect(await ended(first.stream())).toEqual({ reason: "token revoked" });
    expect((await connect(baseUrl, revoked)).res.status).toBe(401);

    const second = await connect(baseUrl, await tokenFor(baseUrl, agent.clientId, agent.secret), { q: `agent=${watcher}` });
    await second.ready();
    expect((await api(baseUrl, await adminToken(baseUrl))("POST", `/api/v1/agents/${watcher}/suspend`, {})).status).toBe(200);
    expect(await ended(second.stream())).toEqual({ reason: "agent suspended" });
  });
});

/** The stream's last event: `end`, its reason, and then nothing (the stream closes). */
async function ended(stream: SseReader): Promise<unknown> {
  const block = await stream.nextEvent();
  expect(block?.event).toBe("end");
  expect(await stream.next()).toBeNull();
  return JSON.parse(block?.data ?? "null");
}

const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) {
  describe("live stream across two instances on one PostgreSQL", () => {
    let a: VigilProcess;
    let b: VigilProcess;
    let dropDb: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const db = await createPostgresDatabase(adminUrl);
      dropDb = db.drop;
      const [portA, portB] = [await freePort(), await freePort()];
      a = await startVigil("events-a", productionEnv(portA, { url: db.url }));
      // Replicas behind one public URL: same issuer, same secrets, same database.
      b = await startVigil("events-b", { ...productionEnv(portB, { url: db.url }), AUTH_URL: a.baseUrl, VALIDATOR_AUDIENCES: a.baseUrl });
      expect(b.baseUrl).not.toBe(a.baseUrl);
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
      await dropDb();
    });

    it("delivers an event written through instance A to a stream held by instance B", async () => {
      const sse = await connect(b.baseUrl, await adminToken(a.baseUrl), { q: "kind=agent.created" });
      await sse.ready();
      const created = await api(a.baseUrl, await adminToken(a.baseUrl))("POST", "/api/v1/agents", agentInput());
      expect(created.status).toBe(201);
      const got = await sse.stream().until((e) => view(e).agent_id === created.json.id);
      expect(got.map((e) => view(e).kind)).toEqual(got.map(() => "agent.created"));
      await sse.drop();
    });

    it("after a drop, a reconnection with Last-Event-ID gets exactly what it missed, filtered, then live events", async () => {
      const adminA = await adminToken(a.baseUrl);
      const onB = await adminToken(a.baseUrl);
      const agent = await agentWithCredential(a.baseUrl);
      const other = await agentWithCredential(a.baseUrl);
      const q = `agent=${agent.id}`;

      const first = await connect(b.baseUrl, onB, { q });
      await first.ready();
      await tokenFor(a.baseUrl, agent.clientId, agent.secret);
      // The stream starts where B's hub stands: the agent's own creation may still arrive.
      const seen = (await first.stream().until((e) => view(e).kind === "token.issued")).at(-1);
      const lastSeen = seen?.id ?? "";
      await first.drop();
      // B lets go of a client that left, though the stream had nothing to send.
      await expect.poll(() => subscribersOn(b.baseUrl)).toBe(0);

      // While the client is away: events for this agent, and for another that must not show.
      await tokenFor(a.baseUrl, agent.clientId, agent.secret);
      await tokenFor(a.baseUrl, other.clientId, other.secret);
      await tokenFor(a.baseUrl, agent.clientId, agent.secret, { scope: "svc:read" });
      await api(a.baseUrl, adminA)("POST", `/api/v1/agents/${agent.id}/suspend`, {});
      const listed = await api(a.baseUrl, adminA)("GET", `/api/v1/audit?q=${encodeURIComponent(`${q} AND id>${lastSeen}`)}`);
      const missed = (listed.json.events as Event[]).map((e) => e.id).reverse();
      expect(missed).toHaveLength(3);

      const again = await connect(b.baseUrl, onB, { q }, { "last-event-id": lastSeen });
      await again.ready();
      const replayed = await again.stream().until((e) => e.id === missed.at(-1));
      expect(replayed.map((e) => e.id)).toEqual(missed);
      expect(replayed.map((e) => view(e).agent_id)).toEqual(missed.map(() => agent.id));

      const reactivated = await api(a.baseUrl, adminA)("POST", `/api/v1/agents/${agent.id}/reactivate`, {});
      expect(reactivated.status).toBe(200);
      const live = await again.stream().nextEvent();
      expect(view(live ?? { comments: [] })).toMatchObject({ kind: "agent.reactivated", agent_id: agent.id });
      expect(Number(live?.id)).toBeGreaterThan(Number(missed.at(-1)));
      await again.drop();

      // A client that cannot set headers resumes from the URL.
      const fromUrl = await connect(b.baseUrl, onB, { q, last_event_id: lastSeen });
      await fromUrl.ready();
      const fromUrlEvents = await fromUrl.stream().until((e) => e.id === live?.id);
      expect(fromUrlEvents.map((e) => e.id)).toEqual([...missed, live?.id]);
      await fromUrl.drop();
    });

    it("ends a stream held by instance B when its token is revoked through instance A", async () => {
      const agent = await agentWithCredential(a.baseUrl, { allowed_scopes: ["audit:read"] });
      const token = await tokenFor(a.baseUrl, agent.clientId, agent.secret);
      const sse = await connect(b.baseUrl, token);
      await sse.ready();
      const revoke = await fetch(`${a.baseUrl}/api/v1/revoke`, {
        method: "POST",
        headers: { authorization: basic(agent.clientId, agent.secret), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }),
      });
      expect(revoke.status).toBe(200);
      // B hears of the revocation and of its audit event on separate channels: whichever
      // comes first, the stream ends, and with the reason.
      const last = (await sse.stream().until((e) => e.event === "end")).at(-1);
      expect(JSON.parse(last?.data ?? "null")).toEqual({ reason: "token revoked" });
      expect(await sse.stream().next()).toBeNull();
    });

    it("ends open streams when an instance shuts down, and exits cleanly", async () => {
      const sse = await connect(b.baseUrl, await adminToken(a.baseUrl));
      await sse.ready();
      expect(await b.stop("SIGTERM")).toBe(0);
      expect(await sse.stream().nextEvent()).toBeNull();
    });
  });
}
