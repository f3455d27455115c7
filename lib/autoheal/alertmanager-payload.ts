import { z } from "zod";
import { AlertPayloadError } from "./errors";
import { issuesToProblems, mustBe } from "./issue-path";

/**
 * Alertmanager's webhook body, version "4" (the only version Alertmanager has sent since
 * 0.6). Unknown fields are ignored rather than refused: a newer Alertmanager adding a field
 * must not stop remediation. Sizes are capped so one payload cannot flood the job queue or
 * the audit log; the HTTP body limit (MAX_BODY_BYTES) bounds the total before this runs.
 */
export const PAYLOAD_LIMITS = {
  alerts: 1000,
  labelsPerAlert: 64,
  labelName: 256,
  labelValue: 4096,
  annotationValue: 16 * 1024,
  url: 4096,
} as const;

// Go's zero time: Alertmanager sends it as endsAt while an alert fires.
const GO_ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

const text = (max: number) =>
  z.string({ error: mustBe("a string") }).max(max, `longer than ${max} characters`);

const timestamp = z
  .string({ error: mustBe("an RFC 3339 timestamp") })
  .regex(RFC3339, "must be an RFC 3339 timestamp such as 2026-11-24T02:59:20.757Z")
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "must be a real date and time" });
      return z.NEVER;
    }
    return new Date(ms);
  });

const status = z.enum(["firing", "resolved"], { error: mustBe('"firing" or "resolved"') });

function stringMap(what: string, valueMax: number) {
  return z
    .record(z.string(), text(valueMax), { error: mustBe(`an object of ${what} names to strings`) })
    .superRefine((map, ctx) => {
      const names = Object.keys(map);
      if (names.length > PAYLOAD_LIMITS.labelsPerAlert) {
        ctx.addIssue({ code: "custom", message: `more than ${PAYLOAD_LIMITS.labelsPerAlert} ${what}s` });
      }
      for (const name of names) {
        if (name === "" || name.length > PAYLOAD_LIMITS.labelName) {
          ctx.addIssue({ code: "custom", message: `${what} name must be 1-${PAYLOAD_LIMITS.labelName} characters`, path: [name] });
        }
      }
    });
}

const labels = stringMap("label", PAYLOAD_LIMITS.labelValue);
const annotations = stringMap("annotation", PAYLOAD_LIMITS.annotationValue);

const alertSchema = z
  .object({
    status,
    labels: labels.refine((l) => (l.alertname ?? "") !== "", { message: "required", path: ["alertname"] }),
    annotations: annotations.default({}),
    startsAt: timestamp,
    endsAt: timestamp.optional(),
    generatorURL: text(PAYLOAD_LIMITS.url).default(""),
    fingerprint: z
      .string({ error: mustBe("a string") })
      .regex(/^[0-9a-f]{1,64}$/i, "must be Alertmanager's hexadecimal fingerprint"),
  })
  .transform(({ endsAt, ...alert }) => ({
    ...alert,
    alertname: alert.labels.alertname ?? "",
    endsAt: endsAt === undefined || endsAt.getTime() === GO_ZERO_TIME ? null : endsAt,
  }));

export const alertmanagerPayloadSchema = z.object({
  version: z.literal("4", { error: mustBe('"4" (Alertmanager webhook payload version 4)') }),
  groupKey: text(PAYLOAD_LIMITS.labelValue * 4),
  truncatedAlerts: z.number({ error: mustBe("a number") }).int().min(0).default(0),
  status,
  receiver: text(PAYLOAD_LIMITS.labelName),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: annotations.default({}),
  externalURL: text(PAYLOAD_LIMITS.url).default(""),
  alerts: z
    .array(alertSchema, { error: mustBe("an array of alerts") })
    .min(1, "must hold at least one alert")
    .max(PAYLOAD_LIMITS.alerts, `more than ${PAYLOAD_LIMITS.alerts} alerts in one payload`),
});

export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;
/** One alert as the rest of autoheal sees it: `endsAt` is null while firing. */
export type Alert = AlertmanagerPayload["alerts"][number];

/** Parses a webhook body (already JSON-decoded). Throws AlertPayloadError naming each bad path. */
export function parseAlertmanagerPayload(raw: unknown): AlertmanagerPayload {
  const result = alertmanagerPayloadSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new AlertPayloadError(issuesToProblems(result.error.issues));
}
