import { z } from "zod";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { BadGatewayError, ConflictError, ForbiddenError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import type { Silence } from "./alertmanager-client";
import { AlertmanagerError } from "./errors";
import { alertmanager, alertmanagerProblem, silenceLabels, silenceOrigins, silenceView, type SilenceOrigin, type SilenceView } from "./silences";

export const expireSilenceInput = z.strictObject({
  id: z.uuid({ message: "id must be an Alertmanager silence id (a UUID)" }),
});

const KIND = "autoheal.silence.expired";

/**
 * DELETE /api/v1/autoheal/silences/:id: ends a silence Vigil created, now. A silence
 * Vigil's log does not record creating is refused (403, recorded as denied): expiring
 * someone else's silence would wake alerts they chose to mute, so that is done in
 * Alertmanager itself. Alertmanager down or refusing is a 502 (the attempt recorded as a
 * failure); an already expired silence is a 409.
 */
export async function expireSilence(ctx: VerbCtx, raw: unknown): Promise<SilenceView> {
  requireScope(ctx.actor, "autoheal:ack");
  const { id } = parseInput(expireSilenceInput, raw);
  const { client, url } = alertmanager();
  let silence: Silence;
  try {
    silence = await client.getSilence(id, { signal: ctx.signal });
  } catch (error) {
    throw alertmanagerProblem(error, `silence ${id}`);
  }
  const origin = (await silenceOrigins(ctx.db, [id])).get(id);
  const record = (outcome: "success" | "failure" | "denied", extra: Record<string, unknown>) => {
    // no-scope: the verb checked autoheal:ack on its first line; this only records its outcome.
    return commit(ctx, async () => ({ value: null, events: [event(silence, origin ?? null, url, outcome, extra)] }));
  };
  if (!origin) {
    await record("denied", { reason: "not created by Vigil" });
    throw new ForbiddenError(
      `Silence ${id} was not created by Vigil (Alertmanager says created by "${silence.createdBy}"); expire it in Alertmanager itself.`,
    );
  }
  if (silence.state === "expired") throw new ConflictError(`Silence ${id} has already expired (ended ${silence.endsAt.toISOString()}).`);
  try {
    await client.expireSilence(id, { signal: ctx.signal });
  } catch (error) {
    if (!(error instanceof AlertmanagerError)) throw error;
    await record("failure", { error: error.message });
    throw new BadGatewayError(`Alertmanager did not expire the silence: ${error.message}`);
  }
  await record("success", {});
  const now = new Date();
  return silenceView({ ...silence, state: "expired", endsAt: now, updatedAt: now }, origin);
}

function event(s: Silence, origin: SilenceOrigin | null, url: string, outcome: "success" | "failure" | "denied", extra: Record<string, unknown>) {
  const labels = silenceLabels(s);
  return {
    kind: KIND,
    outcome,
    alertname: labels.alertname ?? null,
    labels,
    metadata: {
      silence_id: s.id,
      state_before: s.state,
      created_by: s.createdBy,
      comment: s.comment,
      ends_at_before: s.endsAt.toISOString(),
      ...(origin ? { origin: origin.via, origin_event_id: origin.event_id, ...(origin.rule ? { rule: origin.rule } : {}) } : {}),
      alertmanager: new URL(url).origin,
      ...extra,
    },
  } as const;
}
