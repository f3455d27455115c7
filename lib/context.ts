import type { Executor } from "@/lib/db/types";
import type { Actor } from "@/lib/gate/actor";

/** What every verb receives besides its input: who acts, where from, on which connection. */
export type VerbCtx = {
  actor: Actor;
  db: Executor;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
};

/** The request facts an audit event repeats. */
export function auditOrigin(ctx: VerbCtx) {
  return { actor: ctx.actor.label, requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent };
}
