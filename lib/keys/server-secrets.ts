import { hkdfSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";

/**
 * The keys one root secret gives, and its version: a short id derived from the secret (never
 * the secret, nor reversible to it), so every replica names the same secret the same way and
 * there is no counter to keep in step. Stored values carry it to say which secret opens them.
 */
export type SecretVersion = {
  version: string;
  credentialHashKey: Buffer;
  sealingKey: Buffer;
  csrfKey: Buffer;
  dpopNonceKey: Buffer;
};

/**
 * The current secret's keys (AUTH_SECRET: everything new is made with them) and every
 * version that still opens old values, current first, then AUTH_SECRET_PREVIOUS in order.
 */
export type ServerKeys = SecretVersion & {
  versions: readonly SecretVersion[];
  /** For Auth.js, current first: the first signs new session cookies, all decrypt (next-auth 5 rotation). */
  sessionSecrets: string[];
};

/** What a value made before secrets had versions reports as its version (6 characters: never an id, which has 8). */
export const LEGACY_VERSION = "legacy";

const slot = () => processSingleton("server-keys", (): { keys?: ServerKeys } => ({}));

/** Derives a secret's keys; exported for tests that check values across versions. */
export function deriveVersion(root: string): SecretVersion {
  const derive = (info: string, length = 32) => Buffer.from(hkdfSync("sha256", root, "vigil", info, length));
  return {
    // 48 bits: ample to tell apart the handful of secrets configured at once.
    version: derive("server-secret-version", 6).toString("base64url"),
    credentialHashKey: derive("credential-secret-hash"),
    sealingKey: derive("signing-key-seal"),
    csrfKey: derive("console-csrf"),
    dpopNonceKey: derive("dpop-nonce"),
  };
}

/**
 * Keys derived from AUTH_SECRET (and AUTH_SECRET_PREVIOUS): hashing client secrets, sealing
 * private signing keys at rest, CSRF tokens, DPoP nonces, session cookies. Without
 * AUTH_SECRET (development only; production refuses to start) a random root secret is kept
 * in the data directory with owner-only permissions.
 */
export function serverKeys(): ServerKeys {
  const s = slot();
  if (!s.keys) {
    const roots = [rootSecret(), ...(getConfig().AUTH_SECRET_PREVIOUS ?? [])];
    const versions = roots.map(deriveVersion);
    const ids = versions.map((v) => v.version);
    // Two different secrets with one version would make a value's tag ambiguous; 2^-48 per
    // pair, but refusing costs nothing and a wrong key would only ever fail to open.
    if (new Set(ids).size !== ids.length) throw new Error("AUTH_SECRET_PREVIOUS: two configured secrets share a version id; replace one of them");
    const [current] = versions;
    if (!current) throw new Error("no root secret");
    // Auth.js derives its own cookie keys from these (with the cookie name as salt).
    s.keys = { ...current, versions, sessionSecrets: roots };
  }
  return s.keys;
}

/** The keys of a version still configured, or undefined when its secret is gone. */
export function secretVersion(version: string): SecretVersion | undefined {
  return serverKeys().versions.find((v) => v.version === version);
}

function rootSecret(): string {
  const config = getConfig();
  if (config.AUTH_SECRET) return config.AUTH_SECRET;
  // turbopackIgnore: build-time tracing must not copy a local data directory into the output.
  const file = path.resolve(/* turbopackIgnore: true */ config.VIGIL_DATA_DIR, "dev-auth-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(32).toString("base64url");
    // wx: never overwrite a secret another process just wrote.
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      return readFileSync(file, "utf8").trim();
    }
  }
}

/** Drops derived keys (tests that switch configuration). */
export function resetServerKeys(): void {
  slot().keys = undefined;
}
