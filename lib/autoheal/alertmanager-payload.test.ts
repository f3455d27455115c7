import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAlertmanagerPayload, PAYLOAD_LIMITS } from "./alertmanager-payload";
import { AlertPayloadError } from "./errors";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, "../testing/fixtures", name), "utf8")) as Record<string, unknown>;

function problemsOf(raw: unknown): string[] {
  try {
    parseAlertmanagerPayload(raw);
  } catch (error) {
    if (error instanceof AlertPayloadError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

/** The firing fixture with its first alert changed by `edit`. */
function withAlert(edit: (alert: Record<string, unknown>) => void): Record<string, unknown> {
  const payload = fixture("webhook-firing.json");
  const alerts = payload.alerts as Record<string, unknown>[];
  const first = alerts[0];
  if (!first) throw new Error("fixture has no alert");
  edit(first);
  return payload;
}

describe("parseAlertmanagerPayload", () => {
  it("reads a real firing webhook from Alertmanager 0.25", () => {
    const payload = parseAlertmanagerPayload(fixture("webhook-firing.json"));
    expect(payload).toMatchObject({ version: "4", status: "firing", receiver: "webhook", truncatedAlerts: 0 });
    expect(payload.groupKey).toBe('{}:{alertname="TcpEndpointDownFast"}');
    const [alert] = payload.alerts;
    expect(alert).toMatchObject({
      status: "firing",
      alertname: "TcpEndpointDownFast",
      fingerprint: "d5db401eb9dec650",
      labels: { instance: "host-1", service: "checkout", severity: "critical" },
      annotations: { summary: "Endpoint checkout:443 down" },
    });
    expect(alert?.startsAt.toISOString()).toBe("2026-11-24T02:59:20.757Z");
    // Go's zero time while firing means "no end yet".
    expect(alert?.endsAt).toBeNull();
  });

  it("reads a real resolved webhook with its end time", () => {
    const payload = parseAlertmanagerPayload(fixture("webhook-resolved.json"));
    expect(payload.status).toBe("resolved");
    expect(payload.alerts[0]?.endsAt?.toISOString()).toBe("2026-11-24T02:59:23.118Z");
  });

  it("accepts nanosecond timestamps with offsets and ignores fields it does not know", () => {
    const payload = parseAlertmanagerPayload(
      withAlert((a) => {
        a.startsAt = "2026-11-24T03:59:20.757123456+01:00";
        a.somethingNew = true;
      }),
    );
    expect(payload.alerts[0]?.startsAt.toISOString()).toBe("2026-11-24T02:59:20.757Z");
  });

  it.each<[string, (a: Record<string, unknown>) => void, string]>([
    ["missing alertname", (a) => delete (a.labels as Record<string, string>).alertname, "alerts[0].labels.alertname: required"],
    ["empty alertname", (a) => ((a.labels as Record<string, string>).alertname = ""), "alerts[0].labels.alertname: required"],
    ["label value not a string", (a) => ((a.labels as Record<string, unknown>).severity = 3), "alerts[0].labels.severity: must be a string"],
    ["odd label name", (a) => ((a.labels as Record<string, unknown>)["app.kubernetes.io/name"] = null), 'alerts[0].labels["app.kubernetes.io/name"]: must be a string'],
    ["missing fingerprint", (a) => delete a.fingerprint, "alerts[0].fingerprint: required"],
    ["bad status", (a) => (a.status = "pending"), 'alerts[0].status: must be "firing" or "resolved"'],
    ["bad time", (a) => (a.startsAt = "yesterday"), "alerts[0].startsAt: must be an RFC 3339 timestamp such as 2026-11-24T02:59:20.757Z"],
    ["impossible time", (a) => (a.startsAt = "2026-13-01T00:00:00Z"), "alerts[0].startsAt: must be a real date and time"],
    [
      "oversized label value",
      (a) => ((a.labels as Record<string, string>).instance = "x".repeat(PAYLOAD_LIMITS.labelValue + 1)),
      `alerts[0].labels.instance: longer than ${PAYLOAD_LIMITS.labelValue} characters`,
    ],
    [
      "too many labels",
      (a) => (a.labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "v"]).concat([["alertname", "X"]]))),
      "alerts[0].labels: more than 64 labels",
    ],
  ])("names the path of a bad alert: %s", (_, edit, expected) => {
    expect(problemsOf(withAlert(edit))).toContain(expected);
  });

  it("refuses other versions, empty and oversized batches, and non-objects", () => {
    expect(problemsOf({ ...fixture("webhook-firing.json"), version: "3" })).toEqual([
      'version: must be "4" (Alertmanager webhook payload version 4)',
    ]);
    expect(problemsOf({ ...fixture("webhook-firing.json"), alerts: [] })).toEqual(["alerts: must hold at least one alert"]);
    const first = (fixture("webhook-firing.json").alerts as unknown[])[0];
    const flood = { ...fixture("webhook-firing.json"), alerts: Array.from({ length: PAYLOAD_LIMITS.alerts + 1 }, () => first) };
    expect(problemsOf(flood)).toEqual(["alerts: more than 1000 alerts in one payload"]);
    expect(problemsOf([])).toEqual(["(body): Invalid input: expected object, received array"]);
    const missing = problemsOf({ version: "4" });
    expect(missing).toEqual(
      expect.arrayContaining(["groupKey: required", "status: required", "receiver: required", "alerts: required"]),
    );
  });

  it("is a ValidationError, so the intake answers 400 with the problems as fields", () => {
    try {
      parseAlertmanagerPayload(withAlert((a) => delete a.fingerprint));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AlertPayloadError);
      expect((error as AlertPayloadError).status).toBe(400);
      expect((error as AlertPayloadError).fields).toEqual([{ path: "alerts[0].fingerprint", message: "required" }]);
    }
  });
});
