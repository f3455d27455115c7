import { hkdfSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";

type Keys = { credentialHashKey: Buffer; sealingKey: Buffer; csrfKey: Buffer; dpopNonceKey: Buffer; sessionSecret: string };
const slot = () => processSingleton("server-keys", (): { keys?: Keys } => ({}));

/**
 * Keys derived from AUTH_SECRET: one for hashing client secrets, one for sealing private
 * signing keys at rest. Without AUTH_SECRET (development only; production refuses to start)
 * a random root secret is kept in the data directory with owner-only permissions.
 */
export function serverKeys(): Keys {
  const s = slot();
  if (!s.keys) {
    const root = rootSecret();
    const derive = (info: string) => Buffer.from(hkdfSync("sha256", root, "vigil", info, 32));
    s.keys = {
      credentialHashKey: derive("credential-secret-hash"),
      sealingKey: derive("signing-key-seal"),
      csrfKey: derive("console-csrf"),
      dpopNonceKey: derive("dpop-nonce"),
      // Auth.js derives its own cookie keys from this (with the cookie name as salt).
      sessionSecret: root,
    };
  }
  return s.keys;
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
