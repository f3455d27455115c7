import { createPublicKey, type KeyObject } from "node:crypto";
import type { JWK } from "jose";
import { signingKeys, type SigningKeyRow } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { importPrivatePem, publicJwkFor, type SigningAlg } from "./crypto";
import type { VerifyingKey } from "./own-jws";
import { UnsealError, unsealPrivateKey } from "./seal";
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
  /** The server secret version its private half is sealed under ("untagged": before versions); null when not sealed. */
  sealedVersion: string | null;
};

/** A sealed private key no configured secret opens: which key, and the version it names. */
export type SealProblem = { kid: string; version: string; reason: UnsealError["reason"] };

type Keyring = { keys: LoadedKey[]; loadedAt: number; problems: SealProblem[] };
const slot = () => processSingleton("keyring", (): { ring?: Keyring; reported?: Set<string> } => ({}));

// A token can outlive the moment its key stopped signing by at most the TTL cap, plus skew.
const MAX_TOKEN_LIFETIME_MS = 3600_000;
const CLOCK_SKEW_MS = 60_000;

/** Forgets the loaded keys, as a newly started process has none (tests). */
export function forgetKeyring(): void {
  slot().ring = undefined;
}

export function keyringLoaded(): boolean {
  return Boolean(slot().ring && currentSigningKey());
}

/**
 * Reads every key row; private halves are unsealed here (or taken from SIGNING_KEY_PEM). A
 * key that no configured secret opens is still published (its tokens keep verifying) but
 * never signs; it is logged once, naming AUTH_SECRET_PREVIOUS, and `sealProblems` lists it.
 */
export async function loadKeyring(db: Executor): Promise<LoadedKey[]> {
  const rows = await db.select().from(signingKeys);
  const config = getConfig();
  const envKey = config.SIGNING_KEY_PEM ? importPrivatePem(config.SIGNING_KEY_PEM) : null;
  const before = new Map((slot().ring?.keys ?? []).map((k) => [k.kid, k]));
  const keys: LoadedKey[] = [];
  const problems: SealProblem[] = [];
  for (const row of rows) {
    const opened = await privateKeyFor(row, envKey, before.get(row.kid), problems);
    const privateKey = opened?.key ?? null;
    const publicJwk = row.publicJwk as JWK & { kid: string };
    const trusted = privateKey !== null && (await publicJwkFor(privateKey, row.alg as SigningAlg)).kid === row.kid && publicJwk.kid === row.kid;
    keys.push({ kid: row.kid, alg: row.alg as SigningAlg, publicJwk, privateKey, activatesAt: row.activatesAt, trusted, sealedVersion: opened?.version ?? null });
  }
  keys.sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
  slot().ring = { keys, loadedAt: Date.now(), problems };
  return keys;
}

async function privateKeyFor(
  row: SigningKeyRow,
  envKey: KeyObject | null,
  held: LoadedKey | undefined,
  problems: SealProblem[],
): Promise<{ key: KeyObject; version: string | null } | null> {
  if (row.privateKeySealed) {
    try {
      const opened = unsealPrivateKey(row.privateKeySealed);
      return { key: opened.value, version: opened.version };
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      // A replica still on the old secret during a rolling change: another one re-sealed the
      // key under a secret this one does not know yet. The key itself is the one it already
      // holds (the kid is its thumbprint, and `trusted` re-checks that), so keep signing.
      if (held?.privateKey) return { key: held.privateKey, version: held.sealedVersion };
      problems.push({ kid: row.kid, version: error.version, reason: error.reason });
      reportOnce(row.kid, error);
      return null;
    }
  }
  if (envKey && (await publicJwkFor(envKey, row.alg as SigningAlg)).kid === row.kid) return { key: envKey, version: null };
  return null;
}

/** Once per key and version per process: the keyring reloads every 30 s. */
function reportOnce(kid: string, error: UnsealError): void {
  const s = slot();
  const reported = (s.reported ??= new Set());
  if (reported.has(`${kid}:${error.version}`)) return;
  reported.add(`${kid}:${error.version}`);
  // Published, never used to sign: tokens it signed keep verifying, no new ones are signed with it.
  getLogger().error({ kid, secret_version: error.version, reason: error.reason }, `signing key ${kid} cannot be unsealed: ${error.message}`);
}

/** Why no key signs, for the 503 of an endpoint that must sign (no key material, no secret). */
export function noSigningKeyReason(): string {
  return sealProblems().length > 0
    ? "No signing key can be unsealed with the configured server secrets (the server log names the missing AUTH_SECRET_PREVIOUS version)."
    : "No signing key is loaded yet.";
}

/** Signing keys sealed under a secret no longer configured (readiness, the reseal command, the token endpoint's 503). */
export function sealProblems(): readonly SealProblem[] {
  return slot().ring?.problems ?? [];
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
  return all.filter((_, i) => stillPublished(all, i, now));
}

/** Whether key i is published at `now`: no later key has become active, or not long enough ago for the last of its tokens to expire. */
function stillPublished(all: readonly LoadedKey[], i: number, now: number): boolean {
  const successor = all.slice(i + 1).find((k) => k.activatesAt.getTime() <= now);
  return !successor || successor.activatesAt.getTime() + MAX_TOKEN_LIFETIME_MS + CLOCK_SKEW_MS > now;
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

let verifying: { ring: Keyring; byKid: Map<string, VerifyingKey> } | null = null;

/**
 * The published key with this kid as a node:crypto public key, for verifying Vigil's own
 * tokens (lib/keys/own-jws.ts). Keys are imported once per loaded keyring; whether the one
 * looked up is still published is checked on each call (a retired key stops verifying once
 * the last of its tokens has expired).
 */
export function publishedVerifyingKey(kid: string, now = Date.now()): VerifyingKey | undefined {
  const ring = slot().ring;
  if (!ring) return undefined;
  if (verifying?.ring !== ring) {
    verifying = { ring, byKid: new Map(ring.keys.map((k) => [k.kid, { alg: k.alg, key: createPublicKey({ key: k.publicJwk, format: "jwk" }) }])) };
  }
  const index = ring.keys.findIndex((k) => k.kid === kid);
  return index >= 0 && stillPublished(ring.keys, index, now) ? verifying.byKid.get(kid) : undefined;
}
