import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, setConfig } from "@/lib/config";
import { closeDb } from "@/lib/db/client";
import { stopRuntime } from "@/lib/runtime/start";
import { unitTestEnv } from "@/lib/testing/env";
import { SseReader } from "@/lib/testing/sse-reader";
import { liveHub, stopLiveHubs } from "./hub";

/**
 * The live stream through the module Next mounts (app/api/v1/events/route.ts), in process:
 * the HTTP suite reaches the same route table through the fast lane, which serves every
 * table path itself, so this is where Next's door is exercised. Next hands the handler a
 * Request whose signal aborts when the client goes away.
 */
const SECRET = "next-route-test-bootstrap-secret-0123456789";

describe("GET /api/v1/events through Next's route module", () => {
  beforeAll(() => {
    setConfig(loadConfig(unitTestEnv({ VIGIL_BOOTSTRAP_ADMIN_SECRET: SECRET })));
  });
  afterAll(async () => {
    await stopLiveHubs();
    stopRuntime();
    await closeDb();
  });

  const token = async () => {
    const { POST } = await import("@/app/api/v1/token/route");
    const res = await POST(
      new Request("http://vigil.test/api/v1/token", {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`vigil-admin:${SECRET}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      }),
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };

  it("streams events with SSE headers and stops when the client goes away", async () => {
    const { GET } = await import("@/app/api/v1/events/route");
    const bearer = await token();
    const abort = new AbortController();
    const res = await GET(
      new Request("http://vigil.test/api/v1/events?q=kind%3Dtoken.issued", { headers: { authorization: `Bearer ${bearer}` }, signal: abort.signal }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("connection")).toBeNull();
    const stream = new SseReader(res.body ?? new ReadableStream());
    expect((await stream.next())?.retry).toBe("3000");
    await token();
    const issued = await stream.nextEvent();
    expect(JSON.parse(issued?.data ?? "")).toMatchObject({ kind: "token.issued", client_id: "vigil-admin" });
    const { getDbHandle } = await import("@/lib/db/client");
    const hub = liveHub(await getDbHandle());
    expect(hub.size).toBe(1);
    abort.abort();
    expect(hub.size).toBe(0);
    expect(await stream.nextEvent()).toBeNull();
  });

  it("answers HEAD with the stream's headers and holds no subscription for it", async () => {
    const { GET } = await import("@/app/api/v1/events/route");
    const res = await GET(new Request("http://vigil.test/api/v1/events", { method: "HEAD", headers: { authorization: `Bearer ${await token()}` } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const { getDbHandle } = await import("@/lib/db/client");
    expect(liveHub(await getDbHandle()).size).toBe(0);
  });

  it("answers a malformed query with problem+json before any stream", async () => {
    const { GET } = await import("@/app/api/v1/events/route");
    const res = await GET(new Request("http://vigil.test/api/v1/events?q=(kind", { headers: { authorization: `Bearer ${await token()}` } }));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
