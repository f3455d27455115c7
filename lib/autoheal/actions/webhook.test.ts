import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { firingAlert, startTarget } from "@/lib/testing/autoheal-target";
import { backoff } from "./http-delivery";
import { redactPlan, REDACTED } from "./redact";
import { BUILTIN_ACTIONS, executePlan } from "./registry";
import type { ActionPlan } from "./types";

const ENV = { alertmanagerUrl: null };
const NOW = new Date("2026-11-24T03:00:00Z");
let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

function plan(config: Record<string, unknown>, labels: Record<string, string> = {}): ActionPlan {
  const configured = BUILTIN_ACTIONS.get("webhook")?.configure(config, ENV);
  if (!configured?.ok) throw new Error(JSON.stringify(configured?.problems));
  return configured.action.plan({ alert: firingAlert(labels), rule: "restart-web", now: NOW });
}

async function target(answer: Parameters<typeof startTarget>[0]) {
  const t = await startTarget(answer);
  stops.push(t.close);
  return t;
}

const run = (p: ActionPlan, signal: AbortSignal) => executePlan(p, { signal });
const live = () => new AbortController().signal;

describe("webhook action against a real HTTP server", () => {
  it("sends exactly the planned request and reports success", async () => {
    const t = await target((_, __, res) => res.writeHead(200).end("restarted"));
    const p = plan({
      url: `${t.url}/restart/{{ labels.service }}?instance={{ labels.instance }}`,
      headers: { Authorization: "Bearer s3cret", "X-Alert": "{{ alertname }}" },
      body: { service: "{{ labels.service }}", why: "{{ annotations.summary }}", n: 1, tags: ["{{ status }}"] },
    });
    const result = await executePlan(p, { signal: live() });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);

    const [got] = t.received;
    expect(got).toMatchObject({ method: "POST", url: "/restart/checkout?instance=host-1" });
    expect(got?.headers).toMatchObject({
      authorization: "Bearer s3cret",
      "x-alert": "TcpEndpointDownFast",
      "content-type": "application/json",
      "user-agent": "vigil-autoheal",
    });
    expect(got?.body).toBe(p.request.body);
    expect(JSON.parse(got?.body ?? "")).toEqual({ service: "checkout", why: "Endpoint checkout:443 down", n: 1, tags: ["firing"] });
    expect(p.summary).toBe(`POST ${t.url}/restart/checkout?instance=host-1`);
  });

  it("keeps hostile label values inside their JSON string, URL segment and header", async () => {
    const t = await target((_, __, res) => res.writeHead(204).end());
    const hostile = 'x", "admin": true, "y": "\n';
    const p = plan(
      { url: `${t.url}/r/{{ labels.service }}`, headers: { "X-Service": "{{ labels.service }}" }, body: { service: "{{ labels.service }}" } },
      { service: `${hostile}/../..\r\nX-Injected: 1` },
    );
    expect((await run(p, live())).ok).toBe(true);
    const [got] = t.received;
    expect(JSON.parse(got?.body ?? "")).toEqual({ service: `${hostile}/../..\r\nX-Injected: 1` });
    expect(got?.url.startsWith("/r/x%22%2C%20%22admin")).toBe(true);
    expect(got?.headers["x-injected"]).toBeUndefined();
    expect(got?.headers["x-service"]).toBe('x", "admin": true, "y": "/../..X-Injected: 1');
  });

  it("refuses a label of '..' in the URL, and sends a non-Latin-1 label in a header", async () => {
    const t = await target((_, __, res) => res.writeHead(204).end());
    const config = { url: `${t.url}/api/services/{{ labels.service }}/restart`, headers: { "X-Service": "{{ labels.team }}" } };
    expect(() => plan(config, { service: "..", team: "x" })).toThrow(/value of "\.\." cannot be placed in the URL/);
    const p = plan(config, { service: "checkout", team: "日本-ops" });
    const result = await run(p, live());
    expect(result.ok).toBe(true);
    const [got] = t.received;
    expect(got?.url).toBe("/api/services/checkout/restart");
    expect(got?.headers["x-service"]).toBe(`${encodeURIComponent("日本")}-ops`);
  });

  it("sends the alert as JSON when the rule gives no body, and text bodies as text", async () => {
    const t = await target((_, __, res) => res.writeHead(200).end());
    await run(plan({ url: t.url }), live());
    await run(plan({ url: t.url, method: "PUT", body: "restart {{ labels.service }} now" }), live());
    await run(plan({ url: t.url, method: "GET" }), live());
    const [json, text, get] = t.received;
    expect(JSON.parse(json?.body ?? "")).toMatchObject({
      rule: "restart-web",
      alertname: "TcpEndpointDownFast",
      status: "firing",
      fingerprint: "d5db401eb9dec650",
      startsAt: "2026-11-24T02:59:20.757Z",
      labels: { service: "checkout" },
      annotations: { summary: "Endpoint checkout:443 down" },
    });
    expect(text).toMatchObject({ method: "PUT", body: "restart checkout now" });
    expect(text?.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(get).toMatchObject({ method: "GET", body: "" });
  });

  it("fails on a status outside success_status without retrying a 4xx", async () => {
    const t = await target((_, __, res) => res.writeHead(400).end("  no such\n service "));
    const result = await run(plan({ url: t.url, retries: 3, backoff_ms: 10 }), live());
    expect(result).toMatchObject({ ok: false, status: 400, attempts: 1, error: "HTTP 400: no such service" });

    const accepted = await target((_, __, res) => res.writeHead(200).end());
    const strict = await run(plan({ url: accepted.url, success_status: [202], retries: 0 }), live());
    expect(strict).toMatchObject({ ok: false, status: 200, attempts: 1 });
  });

  it("retries 5xx with backoff until it succeeds", async () => {
    const t = await target((_, n, res) => (n < 3 ? res.writeHead(503).end("busy") : res.writeHead(202).end()));
    const result = await run(plan({ url: t.url, retries: 2, backoff_ms: 10 }), live());
    expect(result).toMatchObject({ ok: true, status: 202, attempts: 3 });
    expect(t.received).toHaveLength(3);
    expect(new Set(t.received.map((r) => r.body)).size).toBe(1);
  });

  it("gives up after the last retry with the last answer", async () => {
    const t = await target((_, __, res) => res.writeHead(500).end("boom"));
    const result = await run(plan({ url: t.url, retries: 2, backoff_ms: 10 }), live());
    expect(result).toMatchObject({ ok: false, status: 500, attempts: 3, error: "HTTP 500: boom" });
    expect(t.received).toHaveLength(3);
  });

  it("times out an attempt that gets no answer, and retries it", async () => {
    // Never answers: each attempt must end by its own timeout.
    const t = await target(() => undefined);
    const result = await run(plan({ url: t.url, timeout_ms: 150, retries: 1, backoff_ms: 10 }), live());
    expect(result).toMatchObject({ ok: false, status: null, attempts: 2, error: "no answer within 150 ms" });
    expect(t.received).toHaveLength(2);
  });

  it("leaves nothing on the runner's long-lived signal after its attempts, answered, failed or timed out", async () => {
    const runner = new AbortController();
    const ok = await target((_, __, res) => res.writeHead(200).end("ok"));
    const broken = await target((_, __, res) => res.writeHead(500).end("boom"));
    const silent = await target(() => undefined);
    await run(plan({ url: ok.url }), runner.signal);
    await run(plan({ url: broken.url, retries: 1, backoff_ms: 10 }), runner.signal);
    await run(plan({ url: silent.url, timeout_ms: 100, retries: 0 }), runner.signal);
    expect(getEventListeners(runner.signal, "abort")).toHaveLength(0);
  });

  it("stops at once when the runner aborts mid-request", async () => {
    const t = await target(() => undefined);
    const controller = new AbortController();
    void t.nextRequest().then(() => controller.abort());
    const result = await run(plan({ url: t.url, timeout_ms: 60_000, retries: 5 }), controller.signal);
    expect(result).toMatchObject({ ok: false, status: null, attempts: 1, error: "aborted" });
  });

  it("stops at once when the runner aborts mid-backoff", async () => {
    const t = await target((_, __, res) => res.writeHead(503).end());
    const controller = new AbortController();
    // Jitter is drawn as the backoff starts: abort just after, while it waits a minute.
    const random = () => {
      setImmediate(() => controller.abort());
      return 1;
    };
    const result = await executePlan(plan({ url: t.url, retries: 5, backoff_ms: 60_000 }), { signal: controller.signal, random });
    expect(result).toMatchObject({ ok: false, status: 503, attempts: 1, error: "aborted" });
    expect(t.received).toHaveLength(1);
  });

  it("does not follow redirects", async () => {
    const t = await target((r, __, res) => res.writeHead(302, { Location: `${r.url}elsewhere` }).end());
    const result = await run(plan({ url: `${t.url}/x`, retries: 2 }), live());
    expect(result).toMatchObject({ ok: false, status: 302, attempts: 1 });
    expect(t.received).toHaveLength(1);
  });

  it("reports a refused connection by its code", async () => {
    const t = await target(() => undefined);
    await t.close();
    stops = [];
    const result = await run(plan({ url: t.url, retries: 1, backoff_ms: 10 }), live());
    expect(result).toMatchObject({ ok: false, status: null, attempts: 2 });
    expect(result.error).toMatch(/^request failed: ECONNREFUSED/);
  });

  it("fails a plan of a kind this build does not know, without throwing", async () => {
    const p = plan({ url: "http://127.0.0.1:9/x" });
    expect(await run({ ...p, kind: "k8s_rollout_restart" }, live())).toEqual({
      ok: false,
      status: null,
      durationMs: 0,
      attempts: 0,
      error: 'unknown action kind "k8s_rollout_restart"',
    });
  });
});

describe("redactPlan", () => {
  it("hides values under secret-looking names and keeps the rest exactly", () => {
    const p = plan({
      url: "https://hooks.example/r?token=abc&service={{ labels.service }}",
      headers: { Authorization: "Bearer s3cret", "X-Api-Key": "k", Cookie: "c=1", "X-Trace": "keep" },
      body: { password_hint: "stays: bodies are recorded as sent" },
    });
    const redacted = redactPlan(p);
    expect(redacted.request.headers).toEqual({
      "User-Agent": "vigil-autoheal",
      Authorization: REDACTED,
      "X-Api-Key": REDACTED,
      Cookie: REDACTED,
      "X-Trace": "keep",
      "Content-Type": "application/json",
    });
    expect(redacted.request.url).toBe("https://hooks.example/r?token=[redacted]&service=checkout");
    expect(redacted.request.body).toBe(p.request.body);
    expect(redacted.request.method).toBe("POST");
    expect(p.request.headers.Authorization).toBe("Bearer s3cret");
    expect(JSON.stringify(redacted)).not.toContain("s3cret");
  });
});

describe("backoff", () => {
  it("doubles per attempt, half fixed and half jitter, with Retry-After as a floor and a cap", () => {
    expect([backoff(1, 100, 0, () => 0), backoff(1, 100, 0, () => 1)]).toEqual([50, 100]);
    expect([backoff(3, 100, 0, () => 0), backoff(3, 100, 0, () => 1)]).toEqual([200, 400]);
    expect(backoff(1, 100, 5000, () => 0)).toBe(5000);
    expect(backoff(20, 1000, 0, () => 1)).toBe(30_000);
    expect(backoff(1, 100, 600_000, () => 0)).toBe(30_000);
  });
});
