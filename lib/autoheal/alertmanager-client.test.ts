import { afterAll, describe, expect, it } from "vitest";
import { alertStates, postAlerts, startAlertmanager, type StartedAlertmanager } from "@/e2e/support/alertmanager";
import { BUILTIN_ACTIONS, executePlan } from "./actions/registry";
import { createAlertmanagerClient, labelsToMatchers, SILENCE_CREATED_BY } from "./alertmanager-client";
import { parseAlertmanagerPayload } from "./alertmanager-payload";
import { AlertmanagerError } from "./errors";
import { firingAlert, startTarget } from "@/lib/testing/autoheal-target";

const TOKEN = "alertmanager-to-vigil-0123456789";

// Started on first use rather than in beforeAll: without Alertmanager every test then fails
// with the install hint, instead of being reported as skipped.
let peers: Promise<{ am: StartedAlertmanager; target: Awaited<ReturnType<typeof startTarget>> }> | undefined;
function started() {
  peers ??= (async () => {
    const target = await startTarget((_, __, res) => res.writeHead(200).end());
    try {
      return { target, am: await startAlertmanager({ receiverUrl: `${target.url}/api/alert`, bearerToken: TOKEN }) };
    } catch (error) {
      await target.close();
      throw error;
    }
  })();
  return peers;
}

afterAll(async () => {
  const running = await peers?.catch(() => null);
  await running?.am.stop();
  await running?.target.close();
});

/** Polls a visible state until it holds; fails with the last value seen. */
async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  return last;
}

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe("Alertmanager client against Alertmanager 0.25", () => {
  it("creates, reads, lists and expires a silence made from an alert's labels", async () => {
    const { am } = await started();
    const client = createAlertmanagerClient({ url: am.url });
    const labels = { alertname: "ClientTest", instance: "web-1", severity: "critical" };
    const now = new Date();
    const id = await client.createSilence({
      matchers: labelsToMatchers(labels),
      startsAt: now,
      endsAt: new Date(now.getTime() + 3_600_000),
      comment: "acknowledged by ops",
    });
    const silence = await client.getSilence(id);
    expect(silence).toMatchObject({ id, state: "active", createdBy: SILENCE_CREATED_BY, comment: "acknowledged by ops" });
    expect(silence.matchers).toEqual([
      { name: "alertname", value: "ClientTest", isRegex: false, isEqual: true },
      { name: "instance", value: "web-1", isRegex: false, isEqual: true },
      { name: "severity", value: "critical", isRegex: false, isEqual: true },
    ]);
    // Alertmanager moves a start in the past to its own "now"; the end is kept as sent.
    expect(silence.endsAt.getTime()).toBe(now.getTime() + 3_600_000);

    expect((await client.listSilences(['alertname="ClientTest"'])).map((s) => s.id)).toEqual([id]);
    expect(await client.listSilences(["alertname=SomethingElse"])).toEqual([]);

    await client.expireSilence(id);
    expect((await client.getSilence(id)).state).toBe("expired");
  });

  it("silences alerts: Alertmanager then holds them as suppressed", async () => {
    const { am } = await started();
    const client = createAlertmanagerClient({ url: am.url });
    const labels = { alertname: "SilencedTest", instance: "db-1" };
    await postAlerts(am.url, [{ labels }]);
    await waitFor(() => alertStates(am.url, ['alertname="SilencedTest"']), (s) => s[0] === "active", "alert before the silence");
    const now = new Date();
    await client.createSilence({ matchers: labelsToMatchers(labels, ["alertname"]), startsAt: now, endsAt: new Date(now.getTime() + 600_000), comment: "t" });
    await waitFor(() => alertStates(am.url, ['alertname="SilencedTest"']), (s) => s[0] === "suppressed", "alert after the silence");
  });

  it("names Alertmanager's status and message when it refuses, and unreachable peers", async () => {
    const { am } = await started();
    const client = createAlertmanagerClient({ url: am.url });
    const now = new Date();
    const empty = await errorOf(client.createSilence({ matchers: [], startsAt: now, endsAt: new Date(now.getTime() + 60_000), comment: "x" }));
    expect(empty).toBeInstanceOf(AlertmanagerError);
    expect((empty as AlertmanagerError).status).toBe(422);
    expect((empty as AlertmanagerError).detail).toMatch(/matchers/);

    const backwards = await errorOf(client.createSilence({ matchers: labelsToMatchers({ a: "b" }), startsAt: now, endsAt: new Date(now.getTime() - 60_000), comment: "x" }));
    expect(backwards).toMatchObject({ status: 400 });
    expect((backwards as AlertmanagerError).detail).toMatch(/end time/i);

    const missing = await errorOf(client.getSilence("00000000-0000-0000-0000-000000000000"));
    expect(missing).toMatchObject({ status: 404 });

    const closed = await startTarget(() => undefined);
    await closed.close();
    const unreachable = await errorOf(createAlertmanagerClient({ url: closed.url }).listSilences());
    expect(unreachable).toMatchObject({ status: null });
    expect((unreachable as AlertmanagerError).message).toMatch(/^Alertmanager unreachable: GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/silences: /);
  });

  it("moves credentials in ALERTMANAGER_URL into a Basic header", async () => {
    const fake = await startTarget((_, __, res) => res.writeHead(200, { "Content-Type": "application/json" }).end("[]"));
    try {
      const port = new URL(fake.url).port;
      await createAlertmanagerClient({ url: `http://am%40ops:p%3Ass@127.0.0.1:${port}/prefix/` }).listSilences();
      expect(fake.received[0]?.url).toBe("/prefix/api/v2/silences");
      expect(fake.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from("am@ops:p:ss").toString("base64")}`);
    } finally {
      await fake.close();
    }
  });
});

describe("alertmanager_silence action against Alertmanager 0.25", () => {
  it("silences the alert for the rule's duration and reports the silence id", async () => {
    const { am } = await started();
    const configured = BUILTIN_ACTIONS.get("alertmanager_silence")?.configure(
      { duration: "2h", labels: ["alertname", "service", "instance"], comment: "Vigil restarts {{ labels.service }}", retries: 0 },
      { alertmanagerUrl: am.url },
    );
    if (!configured?.ok) throw new Error(JSON.stringify(configured?.problems));
    const now = new Date();
    const plan = configured.action.plan({ alert: firingAlert(), rule: "silence-checkout", now });
    expect(plan.summary).toBe('silence 2h on {alertname="TcpEndpointDownFast", instance="host-1", service="checkout"}');

    const result = await executePlan(plan, { signal: new AbortController().signal });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1 });
    const id = result.detail?.silenceId ?? "";
    const silence = await createAlertmanagerClient({ url: am.url }).getSilence(id);
    expect(silence).toMatchObject({ state: "active", createdBy: "vigil-autoheal", comment: "Vigil restarts checkout" });
    expect(silence.matchers.map((m) => `${m.name}=${m.value}`)).toEqual(["alertname=TcpEndpointDownFast", "instance=host-1", "service=checkout"]);
    expect(silence.endsAt.getTime()).toBe(now.getTime() + 7_200_000);
  });
});

describe("webhooks from Alertmanager 0.25", () => {
  it("arrive with the configured bearer token and parse as payload version 4", async () => {
    const { am, target } = await started();
    const arrived = target.nextRequest();
    // startsAt older than group_wait: Alertmanager sends at once instead of after 1 s.
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await postAlerts(am.url, [
      { labels: { alertname: "LiveWebhook", instance: "web-7", "severity": "page" }, annotations: { summary: "web-7 is down" }, startsAt },
    ]);
    const request = await arrived;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/api/alert");
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const payload = parseAlertmanagerPayload(JSON.parse(request.body));
    expect(payload).toMatchObject({ version: "4", status: "firing", receiver: "vigil", groupLabels: { alertname: "LiveWebhook" } });
    expect(payload.alerts[0]).toMatchObject({
      alertname: "LiveWebhook",
      labels: { instance: "web-7", severity: "page" },
      annotations: { summary: "web-7 is down" },
      endsAt: null,
    });
    expect(payload.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});
