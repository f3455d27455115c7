import { z } from "zod";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { VerbCtx } from "@/lib/context";
import { insertGeneratedKey } from "@/lib/keys/ensure";
import { loadKeyring } from "@/lib/keys/keyring";
import { parseInput } from "@/lib/validation";

export const rotateSigningKeyInput = z
  .object({
    alg: z.enum(["RS256", "ES256", "EdDSA"]).optional(),
    delay_seconds: z.number().int().min(0).max(7 * 86400).optional(),
  })
  .strict();

/**
 * Zero-downtime rotation: the new key is published in the JWKS now and signs only after
 * the delay, so verifiers that cache the JWKS learn it first; the old key stays published
 * until its last token has expired (see keyring.publishedKeys).
 */
export async function rotateSigningKey(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const input = parseInput(rotateSigningKeyInput, raw);
  const config = getConfig();
  const delay = input.delay_seconds ?? config.SIGNING_KEY_ROTATION_DELAY_SECONDS;
  const alg = input.alg ?? config.SIGNING_ALG;
  const key = await commit(ctx, async (tx) => {
    const created = await insertGeneratedKey(tx, alg, new Date(Date.now() + delay * 1000));
    return {
      value: created,
      events: [{ kind: "key.rotated", outcome: "success", metadata: { kid: created.kid, alg, activates_at: created.activatesAt.toISOString() } }],
    };
  });
  await loadKeyring(ctx.db);
  return { kid: key.kid, alg: key.alg, activates_at: key.activatesAt.toISOString() };
}
