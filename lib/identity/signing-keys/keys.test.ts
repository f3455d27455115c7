import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signingKeys } from "@/drizzle/schema";
import { getConfig, setConfig } from "@/lib/config";
import { ForbiddenError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { signJwt } from "@/lib/identity/tokens/sign";
import { generatePrivateKey, publicJwkFor, type SigningAlg } from "@/lib/keys/crypto";
import { sealPrivateKey, unsealPrivateKey } from "@/lib/keys/seal";
import { ensureSigningKey } from "@/lib/keys/ensure";
import { currentSigningKey, jwks, loadKeyring, publishedKeys } from "@/lib/keys/keyring";
import { rotateSigningKey } from "./rotate";

describe.each(["RS256", "ES256", "EdDSA"] as SigningAlg[])("%s signing", (alg) => {
  it("produces JWS that jose verifies, and seals the private key at rest", async () => {
    const privateKey = generatePrivateKey(alg);
    const publicJwk = await publicJwkFor(privateKey, alg);
    const key = { kid: publicJwk.kid, alg, publicJwk, privateKey, activatesAt: new Date(), trusted: true, sealedVersion: null };
    const token = await signJwt(key, { typ: "at+jwt" }, { sub: "x", iss: "i" });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [publicJwk] }), { algorithms: [alg] });
    expect(payload.sub).toBe("x");
    const sealed = sealPrivateKey(privateKey);
    expect(sealed).not.toContain("PRIVATE KEY");
    expect(unsealPrivateKey(sealed).value.export({ format: "pem", type: "pkcs8" })).toEqual(privateKey.export({ format: "pem", type: "pkcs8" }));
  });
});

describe.each(testTargets())("key rotation on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
    await ensureSigningKey(t.handle.db);
    await ensureSigningKey(t.handle.db);
    await loadKeyring(t.handle.db);
  });
  afterAll(async () => t?.drop());

  it("creates exactly one first key", async () => {
    expect(await t.handle.db.select().from(signingKeys)).toHaveLength(1);
  });

  it("publishes the next key before it signs and keeps the old one until its tokens expire", async () => {
    const old = currentSigningKey();
    if (!old) throw new Error("no key");
    const ctx = ctxFor(t.handle.db, actorWith("admin"));
    await expect(rotateSigningKey(ctxFor(t.handle.db, actorWith("agents:write")), {})).rejects.toBeInstanceOf(ForbiddenError);
    const rotated = await rotateSigningKey(ctx, { delay_seconds: 120 });
    const activation = Date.parse(rotated.activates_at);

    // Published at once, not yet signing.
    expect(jwks().keys.map((k) => k.kid)).toEqual([old.kid, rotated.kid]);
    expect(currentSigningKey()?.kid).toBe(old.kid);
    const oldToken = await signJwt(old, { typ: "at+jwt" }, { sub: "a" });

    // After the delay the new key signs; the old one is still published for the longest TTL.
    expect(currentSigningKey(activation + 1)?.kid).toBe(rotated.kid);
    expect(publishedKeys(activation + 1).map((k) => k.kid)).toEqual([old.kid, rotated.kid]);
    const set = createLocalJWKSet({ keys: publishedKeys(activation + 30 * 60_000).map((k) => k.publicJwk) });
    await expect(jwtVerify(oldToken, set)).resolves.toBeTruthy();

    // Once no token signed by it can be alive, it leaves the JWKS.
    expect(publishedKeys(activation + 3600_000 + 61_000).map((k) => k.kid)).toEqual([rotated.kid]);
    expect(decodeProtectedHeader(oldToken).kid).toBe(old.kid);
  });
});

describe.each(testTargets())("a signing key from the environment on $name", (target) => {
  it("is registered without storing its private half, and signs", async () => {
    const t = await target.open();
    const before = getConfig();
    const pem = generatePrivateKey("ES256").export({ format: "pem", type: "pkcs8" }).toString();
    try {
      setConfig({ ...before, SIGNING_KEY_PEM: pem });
      await ensureSigningKey(t.handle.db);
      await ensureSigningKey(t.handle.db);
      const rows = await t.handle.db.select().from(signingKeys);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ source: "environment", privateKeySealed: null, alg: "ES256" });
      await loadKeyring(t.handle.db);
      const key = currentSigningKey();
      if (!key) throw new Error("no key");
      const token = await signJwt(key, { typ: "at+jwt" }, { sub: "env" });
      await expect(jwtVerify(token, createLocalJWKSet(jwks()))).resolves.toBeTruthy();
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: rows[0]?.kid });
    } finally {
      setConfig(before);
      await t.drop();
    }
  });
});
