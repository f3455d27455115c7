import { z } from "zod";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { alertmanager, alertmanagerProblem, silenceOrigins, silenceView, type SilenceView } from "./silences";

export const listSilencesInput = z.strictObject({
  state: z.enum(["active", "pending", "expired"], { message: "state is active, pending or expired" }).optional(),
});

const RANK = { active: 0, pending: 1, expired: 2 } as const;

/**
 * GET /api/v1/autoheal/silences: the Alertmanager silences Vigil created (acks and silence
 * actions, as its log recorded them), active and pending first, then expired ones
 * Alertmanager still keeps; within each, the most recently changed first. Silences made by
 * anyone else are not listed.
 */
export async function listSilences(ctx: VerbCtx, raw: unknown = {}): Promise<{ silences: SilenceView[] }> {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listSilencesInput, raw);
  const { client } = alertmanager();
  let all;
  try {
    all = await client.listSilences([], { signal: ctx.signal });
  } catch (error) {
    throw alertmanagerProblem(error, "its silences");
  }
  const wanted = input.state ? all.filter((s) => s.state === input.state) : all;
  const origins = await silenceOrigins(ctx.db, wanted.map((s) => s.id));
  const silences = wanted.flatMap((s) => {
    const origin = origins.get(s.id);
    return origin ? [silenceView(s, origin)] : [];
  });
  silences.sort((a, b) => RANK[a.state] - RANK[b.state] || b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id));
  return { silences };
}
