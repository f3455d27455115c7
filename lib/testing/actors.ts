import type { VerbCtx } from "@/lib/context";
import type { Executor } from "@/lib/db/types";
import type { Actor } from "@/lib/gate/actor";

export function actorWith(...scopes: string[]): Actor {
  return { kind: "agent", id: "00000000-0000-4000-8000-000000000001", scopes: new Set(scopes), label: `test:${scopes.join("+") || "none"}` };
}

export function ctxFor(db: Executor, actor: Actor): VerbCtx {
  return { actor, db, requestId: "test-request", ip: "127.0.0.1", userAgent: "vitest" };
}
