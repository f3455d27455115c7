import { z } from "zod";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { getConfig } from "@/lib/config";
import { BadGatewayError, ServiceUnavailableError } from "@/lib/errors";
import { requireScope } from "@/lib/access/actor";
import { parseInput } from "@/lib/validation";
import { createAlertmanagerClient, labelsToMatchers } from "./alertmanager-client";
import { durationField, formatDuration } from "./duration";
import { AlertmanagerError } from "./errors";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const labelsJson = z.string({ error: 'labels is required: a JSON object such as {"alertname":"X"}' }).transform((text, ctx) => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: 'must be a JSON object such as {"alertname":"X"}' });
    return z.NEVER;
  }
  const parsed = z
    .record(z.string().regex(LABEL_NAME, "label names are [a-zA-Z_][a-zA-Z0-9_]*"), z.string().min(1, "label values must not be empty").max(4096))
    .refine((l) => Object.keys(l).length >= 1, "name at least one label: an empty silence would match every alert")
    .refine((l) => Object.keys(l).length <= 64, "at most 64 labels")
    .safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: `${issue.path.join(".") || "labels"}: ${issue.message}` });
    return z.NEVER;
  }
  return parsed.data;
});

export const ackInput = z.strictObject({
  labels: labelsJson,
  duration: durationField({ min: 60_000, max: 30 * 86_400_000 }),
  comment: z.string().trim().max(1000).optional(),
});

export type AckView = { silence_id: string; labels: Record<string, string>; duration: string; ends_at: string; created_by: string };

/**
 * Acknowledge: an Alertmanager silence on exactly these labels (equality matchers), created
 * through its API v2. `ack` is recorded only once Alertmanager has returned a silence id;
 * when it is down or refuses, the caller gets a 502 with Alertmanager's error and the log
 * gets `ack_failed`, so nobody reads the alert as handled.
 */
export async function acknowledge(ctx: VerbCtx, raw: unknown): Promise<AckView> {
  requireScope(ctx.actor, "autoheal:ack");
  const input = parseInput(ackInput, raw);
  const url = getConfig().autoheal.alertmanagerUrl;
  if (!url) throw new ServiceUnavailableError("Acknowledging needs Alertmanager: set ALERTMANAGER_URL.");
  const startsAt = new Date();
  const endsAt = new Date(startsAt.getTime() + input.duration);
  const comment = input.comment || `Acknowledged in Vigil by ${ctx.actor.label}`;
  const base = { alertname: input.labels.alertname ?? null, labels: input.labels };
  const facts = { duration: formatDuration(input.duration), ends_at: endsAt.toISOString(), comment, alertmanager: new URL(url).origin };
  let silenceId: string;
  try {
    silenceId = await createAlertmanagerClient({ url, timeoutMs: 10_000 }).createSilence({
      matchers: labelsToMatchers(input.labels),
      startsAt,
      endsAt,
      createdBy: ctx.actor.label,
      comment,
    });
  } catch (error) {
    if (!(error instanceof AlertmanagerError)) throw error;
    await commit(ctx, async () => ({
      value: null,
      events: [{ ...base, kind: "ack_failed", outcome: "failure", metadata: { ...facts, error: error.message } }],
    }));
    throw new BadGatewayError(`Alertmanager did not create the silence: ${error.message}`);
  }
  await commit(ctx, async () => ({
    value: null,
    events: [{ ...base, kind: "ack", outcome: "success", metadata: { ...facts, silence_id: silenceId } }],
  }));
  return { silence_id: silenceId, labels: input.labels, duration: facts.duration, ends_at: facts.ends_at, created_by: ctx.actor.label };
}
