import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { deriveVersion, LEGACY_VERSION } from "@/lib/keys/server-secrets";
import { SECRET_A, SECRET_B, SECRET_C, runWithSecrets } from "@/lib/testing/secrets";
import { checkSecret, hashSecret, hashVersion, newClientId, newClientSecret, secretMatches, unmatchableHash } from "./secrets";

describe("client secrets", () => {
  it("carry at least 256 bits of randomness", () => {
    const secret = newClientSecret();
    const raw = Buffer.from(secret.replace(/^vgs_/, ""), "base64url");
    expect(raw.length).toBeGreaterThanOrEqual(32);
    expect(newClientSecret()).not.toBe(secret);
    expect(newClientId()).toMatch(/^vgc_[A-Za-z0-9_-]{16}$/);
  });

  it("are stored as a keyed hash that reveals nothing of the secret", () => {
    const secret = newClientSecret();
    const hash = hashSecret(secret);
    expect(hash).not.toContain(secret.slice(4, 20));
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(`${secret}x`, hash)).toBe(false);
    expect(secretMatches(secret, null)).toBe(false);
  });
});

describe("client-secret hashes across AUTH_SECRET versions", () => {
  let restore = () => {};
  afterEach(() => restore());
  const legacyHash = (secret: string, root: string) => createHmac("sha256", deriveVersion(root).credentialHashKey).update(secret, "utf8").digest("base64url");

  it("are tagged <version>$<hmac> with the current secret's version", () => {
    restore = runWithSecrets(SECRET_A);
    const hash = hashSecret(newClientSecret());
    const [version, mac, ...rest] = hash.split("$");
    expect(version).toBe(deriveVersion(SECRET_A).version);
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rest).toEqual([]);
    expect(hashVersion(hash)).toBe(deriveVersion(SECRET_A).version);
    expect(hashVersion(legacyHash("x", SECRET_A))).toBe(LEGACY_VERSION);
  });

  it("match under a previous secret as stale, under the current one as fresh", () => {
    const secret = newClientSecret();
    restore = runWithSecrets(SECRET_A);
    const underA = hashSecret(secret);
    expect(checkSecret(secret, underA)).toEqual({ match: true, stale: false, version: deriveVersion(SECRET_A).version });
    restore();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    expect(checkSecret(secret, underA)).toEqual({ match: true, stale: true, version: deriveVersion(SECRET_A).version });
    expect(checkSecret(`${secret}x`, underA)).toEqual({ match: false, retired: false });
    expect(checkSecret(secret, hashSecret(secret))).toMatchObject({ match: true, stale: false });
  });

  it("match untagged (legacy) hashes under any configured secret, as stale", () => {
    const secret = newClientSecret();
    restore = runWithSecrets(SECRET_B, [SECRET_A]);
    expect(checkSecret(secret, legacyHash(secret, SECRET_A))).toEqual({ match: true, stale: true, version: LEGACY_VERSION });
    expect(checkSecret(secret, legacyHash(secret, SECRET_B))).toEqual({ match: true, stale: true, version: LEGACY_VERSION });
    expect(checkSecret(secret, legacyHash(secret, SECRET_C))).toEqual({ match: false, retired: false });
  });

  it("refuse a hash whose version is no longer configured, saying it is retired", () => {
    const secret = newClientSecret();
    restore = runWithSecrets(SECRET_A);
    const underA = hashSecret(secret);
    restore();
    restore = runWithSecrets(SECRET_B);
    expect(checkSecret(secret, underA)).toEqual({ match: false, retired: true });
    // The unknown-client stand-in is tagged current, so it costs what a known client's check costs.
    expect(hashVersion(unmatchableHash())).toBe(deriveVersion(SECRET_B).version);
    expect(secretMatches(secret, unmatchableHash())).toBe(false);
  });
});
