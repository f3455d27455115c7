import type { Actor } from "@/lib/access/actor";
import type { MachineCtx, VerbCtx } from "@/lib/context";
import type { Db } from "@/lib/db/types";

export function actorWith(...scopes: string[]): Actor {
  return { kind: "agent", id: "00000000-0000-4000-8000-000000000001", scopes: new Set(scopes), label: `test:${scopes.join("+") || "none"}` };
}

export function ctxFor(db: Db, actor: Actor): VerbCtx {
  return { actor, db, requestId: "test-request", ip: "127.0.0.1", userAgent: "vitest" };
}

/** Work no caller asked for (the intake, the runner), as tests start it. */
export function machineCtx(db: Db, by = "system:test", requestId: string | null = "test-request"): MachineCtx {
  return { db, by, requestId, ip: "127.0.0.1", userAgent: "vitest" };
}
