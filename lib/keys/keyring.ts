import type { KeyObject } from "node:crypto";
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import { signingKeys, type SigningKeyRow } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { importPrivatePem, publicJwkFor, unsealPrivateKey, type SigningAlg } from "./crypto";
import { processSingleton } from "@/lib/process/singleton";

export type LoadedKey = {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK & { kid: string };
  privateKey: KeyObject | null;
  activatesAt: Date;
  /**
   * This instance holds the private half and it matches the published one. Only such keys
   * vouch for audit checkpoints: a row anyone with database access inserted (a public key
   * without a private half sealed under our AUTH_SECRET) must not.
   */
  trusted: boolean;
};

type Keyring = { keys: LoadedKey[]; loadedAt: number };
const slot = () => processSingleton("keyring", (): { ring?: Keyring } => ({}));

// A token can outlive the moment its key stopped signing by at most the TTL cap, plus skew.
const MAX_TOKEN_LIFETIME_MS = 3600_000;
const CLOCK_SKEW_MS = 60_000;

export function keyringLoaded(): boolean {
  return Boolean(slot().ring && currentSigningKey());
}

/** Reads every key row; private halves are unsealed here (or taken from SIGNING_KEY_PEM). */
export async function loadKeyring(db: Executor): Promise<LoadedKey[]> {
  const rows = await db.select().from(signingKeys);
  const config = getConfig();
  const envKey = config.SIGNING_KEY_PEM ? importPrivatePem(config.SIGNING_KEY_PEM) : null;
  const keys: LoadedKey[] = [];
  for (const row of rows) {
    const privateKey = await privateKeyFor(row, envKey);
    const publicJwk = row.publicJwk as JWK & { kid: string };
    const trusted = privateKey !== null && (await publicJwkFor(privateKey, row.alg as SigningAlg)).kid === row.kid && publicJwk.kid === row.kid;
    keys.push({ kid: row.kid, alg: row.alg as SigningAlg, publicJwk, privateKey, activatesAt: row.activatesAt, trusted });
  }
  keys.sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
  slot().ring = { keys, loadedAt: Date.now() };
  return keys;
}

async function privateKeyFor(row: SigningKeyRow, envKey: KeyObject | null): Promise<KeyObject | null> {
  if (row.privateKeySealed) {
    try {
      return unsealPrivateKey(row.privateKeySealed);
    } catch {
      // Sealed under another AUTH_SECRET: keep publishing the public half, never sign with it.
      getLogger().warn({ kid: row.kid }, "signing key cannot be unsealed with this AUTH_SECRET");
      return null;
    }
  }
  if (envKey && (await publicJwkFor(envKey, row.alg as SigningAlg)).kid === row.kid) return envKey;
  return null;
}

function keys(): LoadedKey[] {
  return slot().ring?.keys ?? [];
}

/** The newest key that has become active and whose private half this instance holds. */
export function currentSigningKey(now = Date.now()): LoadedKey | undefined {
  return keys()
    .filter((k) => k.privateKey && k.activatesAt.getTime() <= now)
    .at(-1);
}

/**
 * Keys a verifier must know: pending keys (published before they sign, so caches pick them
 * up), the active key, and retired keys until their last possible token has expired.
 */
export function publishedKeys(now = Date.now()): LoadedKey[] {
  const all = keys();
  return all.filter((key, i) => {
    const successor = all.slice(i + 1).find((k) => k.activatesAt.getTime() <= now);
    if (!successor) return true;
    return successor.activatesAt.getTime() + MAX_TOKEN_LIFETIME_MS + CLOCK_SKEW_MS > now;
  });
}

/**
 * Every public key Vigil holds the private half of, retired ones too (audit checkpoints
 * outlive tokens). The JWK is derived from the private key, not read from the row.
 */
export function trustedPublicKeys(): (JWK & { kid: string })[] {
  return keys()
    .filter((k) => k.trusted)
    .map((k) => k.publicJwk);
}

export function jwks(now = Date.now()): { keys: JWK[] } {
  return { keys: publishedKeys(now).map((k) => k.publicJwk) };
}

let verifier: { kids: string; getKey: JWTVerifyGetKey } | null = null;

/**
 * The published keys as a jose key resolver, rebuilt only when the set of published kids
 * changes: building one imports every JWK into a KeyObject, far too slow per request.
 */
export function verificationKeys(now = Date.now()): JWTVerifyGetKey {
  const published = publishedKeys(now);
  const kids = published.map((k) => k.kid).join(",");
  if (!verifier || verifier.kids !== kids) {
    verifier = { kids, getKey: createLocalJWKSet({ keys: published.map((k) => k.publicJwk) }) };
  }
  return verifier.getKey;
}
