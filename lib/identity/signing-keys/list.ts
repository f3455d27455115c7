import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { publishedKeys } from "@/lib/keys/keyring";
import { noFields, parseInput } from "@/lib/validation";

/** The published signing keys and when each signs. */
export function listSigningKeys(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "admin");
  parseInput(noFields, raw);
  return {
    keys: publishedKeys().map((k) => ({
      kid: k.kid,
      alg: k.alg,
      activates_at: k.activatesAt.toISOString(),
      can_sign: k.privateKey !== null,
    })),
  };
}
