import { count } from "drizzle-orm";
import { signingKeys } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { algForKey, generatePrivateKey, importPrivatePem, publicJwkFor, type SigningAlg } from "./crypto";
import { sealPrivateKey } from "./seal";

/**
 * At start: registers SIGNING_KEY_PEM when given, otherwise creates a first key when the
 * database has none. Idempotent and safe for instances starting together (kid conflicts
 * are ignored; a duplicate generated first key is harmless, the newest simply signs).
 */
export async function ensureSigningKey(db: Executor): Promise<void> {
  const config = getConfig();
  if (config.SIGNING_KEY_PEM) {
    const key = importPrivatePem(config.SIGNING_KEY_PEM);
    const alg = algForKey(key);
    const jwk = await publicJwkFor(key, alg);
    await db
      .insert(signingKeys)
      .values({ kid: jwk.kid, alg, publicJwk: jwk, privateKeySealed: null, source: "environment" })
      .onConflictDoNothing();
    return;
  }
  const [row] = await db.select({ n: count() }).from(signingKeys);
  if ((row?.n ?? 0) > 0) return;
  await insertGeneratedKey(db, config.SIGNING_ALG, new Date());
}

export async function insertGeneratedKey(db: Executor, alg: SigningAlg, activatesAt: Date) {
  const key = generatePrivateKey(alg);
  const jwk = await publicJwkFor(key, alg);
  await db.insert(signingKeys).values({
    kid: jwk.kid,
    alg,
    publicJwk: jwk,
    privateKeySealed: sealPrivateKey(key),
    source: "generated",
    activatesAt,
  });
  return { kid: jwk.kid, alg, activatesAt };
}
