import { redactUrl } from "./redact";
import { z } from "zod";
import { labelsToMatchers, parseSilenceId, silenceRequest } from "../alertmanager-client";
import { durationField, formatDuration } from "../duration";
import { AlertmanagerError } from "../errors";
import { formatMatcher } from "../matcher";
import { compileForSchema, renderTemplate, templateVars } from "../template";
import { deliveryFields, toDelivery } from "./delivery-fields";
import { deliver } from "./http-delivery";
import type { ActionKind } from "./types";

/**
 * kind: alertmanager_silence — silences the alert in Alertmanager for `duration`, so the
 * page stops while a remediation (another rule, or people) takes effect.
 *
 *   duration:          how long, e.g. 2h (1m to 30d)
 *   labels:            label names to match on (equality); default: all the alert's labels,
 *                      which silences exactly this alert and nothing else
 *   comment:           template; default names the rule and the alert
 *   alertmanager_url:  overrides ALERTMANAGER_URL for this rule
 *   timeout_ms, retries, backoff_ms (as for webhook)
 */
const config = z.strictObject({
  duration: durationField({ min: 60_000, max: 30 * 86_400_000 }),
  labels: z
    .array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a label name"))
    .min(1, "name at least one label, or leave labels out to match all of them")
    .optional(),
  comment: z
    .string()
    .max(1000)
    .default("Silenced by Vigil autoheal rule {{ rule }} for {{ alertname }} ({{ fingerprint }})")
    .transform((source, ctx) => compileForSchema(source, ctx) ?? z.NEVER),
  alertmanager_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  ...deliveryFields,
});

type SilenceConfig = z.output<typeof config>;

export const alertmanagerSilenceAction: ActionKind<SilenceConfig> = {
  kind: "alertmanager_silence",
  config,
  target: (c, env) => `silence ${formatDuration(c.duration)} in ${redactUrl(c.alertmanager_url ?? env.alertmanagerUrl ?? "Alertmanager")}`,
  check(c, env) {
    if (c.alertmanager_url || env.alertmanagerUrl) return [];
    return [{ path: "alertmanager_url", message: "no Alertmanager to silence in: set ALERTMANAGER_URL or action.alertmanager_url" }];
  },
  plan(c, { alert, rule, now, job }, env) {
    const base = c.alertmanager_url ?? env.alertmanagerUrl;
    if (!base) throw new AlertmanagerError(null, "no Alertmanager URL configured");
    const matchers = labelsToMatchers(alert.labels, c.labels);
    const request = silenceRequest(base, {
      matchers,
      startsAt: now,
      endsAt: new Date(now.getTime() + c.duration),
      // The job's id, for whoever reads the silences (a repeat after a restart names the same job).
      comment: `${renderTemplate(c.comment, templateVars(alert, rule))}${job !== undefined ? ` [vigil job ${job}]` : ""}`,
    });
    const spelled = matchers.map((m) => formatMatcher({ name: m.name, type: "=", value: m.value, regex: null })).join(", ");
    return {
      kind: "alertmanager_silence",
      rule,
      summary: `silence ${formatDuration(c.duration)} on {${spelled}}`,
      request,
      delivery: toDelivery(c, null),
    };
  },
  async execute(plan, ctx) {
    const { body, ...result } = await deliver(plan, ctx);
    if (!result.ok) return result;
    try {
      return { ...result, detail: { silenceId: parseSilenceId(body) } };
    } catch (error) {
      return { ...result, ok: false, error: (error as Error).message };
    }
  },
};
