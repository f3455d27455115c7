import { createCipheriv, generateKeyPairSync, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET_A, SECRET_B, SECRET_C, runWithSecrets } from "@/lib/testing/secrets";
import { seal, sealPrivateKey, UnsealError, unseal, unsealPrivateKey } from "./seal";
import { deriveVersion, LEGACY_VERSION, serverKeys } from "./server-secrets";

/** A value as Vigil sealed it before versions: `<iv>.<tag>.<body>`, no additional data. */
function legacySeal(plain: string, root: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveVersion(root).sealingKey, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

const refusal = (f: () => unknown): UnsealError => {
  try {
    f();
  } catch (error) {
    if (error instanceof UnsealError) return error;
    throw error;
  }
  throw new Error("expected an UnsealError");
};

let restore = () => {};
afterEach(() => restore());

describe("server secret versions", () => {
  it("are short, stable, distinct per secret, and reveal nothing of the secret", () => {
    const a = deriveVersion(SECRET_A).version;
    expect(a).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(deriveVersion(SECRET_A).version).toBe(a);
    expect(deriveVersion(SECRET_B).version).not.toBe(a);
    expect(SECRET_A).not.toContain(a);
    // The version is no key: none of the derived keys starts with it.
    expect(deriveVersion(SECRET_A).sealingKey.toString("base64url").startsWith(a)).toBe(false);
    expect(LEGACY_VERSION).toHaveLength(6);
  });

  it("lists the current secret first, then AUTH_SECRET_PREVIOUS in order, and gives Auth.js the same order", () => {
    restore = runWithSecrets(SECRET_C, [SECRET_B, SECRET_A]);
    const keys = serverKeys();
    expect(keys.version).toBe(deriveVersion(SECRET_C).version);
    expect(keys.versions.map((v) => v.version)).toEqual([SECRET_C, SECRET_B, SECRET_A].map((s) => deriveVersion(s).version));
    expect(keys.sessionSecrets).toEqual([SECRET_C, SECRET_B, SECRET_A]);
  });
});

describe("sealed values across secret versions", () => {
  it("are tagged with the current version, which is bound to the ciphertext", () => {
    restore = runWithSecrets(SECRET_A);
    const sealed = seal("private key");
    const [format, version, ...rest] = sealed.split(".");
    expect(format).toBe("v1");
    expect(version).toBe(deriveVersion(SECRET_A).version);
    expect(rest).toHaveLength(3);
    expect(unseal(sealed)).toEqual({ value: "private key", version, stale: false });
    // Relabelled to another configured version: the additional data no longer matches.
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    const relabelled = ["v1", deriveVersion(SECRET_B).version, ...rest].join(".");
    expect(refusal(() => unseal(relabelled)).reason).toBe("malformed");
  });

  it("open with a previous secret, report themselves stale, and re-seal under the current one", () => {
    restore = runWithSecrets(SECRET_A);
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const underA = sealPrivateKey(key);
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    const opened = unsealPrivateKey(underA);
    expect(opened.stale).toBe(true);
    expect(opened.version).toBe(deriveVersion(SECRET_A).version);
    expect(opened.value.export({ format: "pem", type: "pkcs8" })).toEqual(key.export({ format: "pem", type: "pkcs8" }));
    const underB = sealPrivateKey(opened.value);
    expect(underB.split(".")[1]).toBe(deriveVersion(SECRET_B).version);
    restore();
    // Once re-sealed, the previous secret is no longer needed.
    restore = runWithSecrets(SECRET_B);
    expect(unsealPrivateKey(underB).stale).toBe(false);
  });

  it("open untagged (legacy) values with any configured secret, always as stale", () => {
    const legacy = legacySeal("old key", SECRET_A);
    restore = runWithSecrets(SECRET_A);
    expect(unseal(legacy)).toEqual({ value: "old key", version: LEGACY_VERSION, stale: true });
    restore();
    restore = runWithSecrets(SECRET_C, [SECRET_B, SECRET_A]);
    expect(unseal(legacy)).toEqual({ value: "old key", version: LEGACY_VERSION, stale: true });
  });

  it("refuse a version no configured secret has, naming the version and AUTH_SECRET_PREVIOUS, never a secret", () => {
    restore = runWithSecrets(SECRET_A);
    const underA = seal("private key");
    const legacy = legacySeal("old key", SECRET_A);
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_C]);
    const unknown = refusal(() => unseal(underA));
    expect(unknown.reason).toBe("unknown_version");
    expect(unknown.version).toBe(deriveVersion(SECRET_A).version);
    expect(unknown.message).toContain(deriveVersion(SECRET_A).version);
    expect(unknown.message).toContain("AUTH_SECRET_PREVIOUS");
    const untagged = refusal(() => unseal(legacy));
    expect(untagged.reason).toBe("no_secret_opens");
    for (const message of [unknown.message, untagged.message]) {
      for (const secret of [SECRET_A, SECRET_B, SECRET_C]) expect(message).not.toContain(secret);
    }
    expect(refusal(() => unseal("not.sealed")).reason).toBe("malformed");
  });
});
