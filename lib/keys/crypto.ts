import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, type VerifyKeyObjectInput } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";

export type SigningAlg = "RS256" | "ES256" | "EdDSA";

export function generatePrivateKey(alg: SigningAlg): KeyObject {
  switch (alg) {
    case "RS256":
      return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    case "EdDSA":
      return generateKeyPairSync("ed25519").privateKey;
  }
}

/** Which JWS alg a private key can produce; rejects keys that fit none of ours. */
export function algForKey(key: KeyObject): SigningAlg {
  if (key.asymmetricKeyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA signing keys must be at least 2048 bits (got ${bits})`);
    return "RS256";
  }
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  if (key.asymmetricKeyType === "ed25519") return "EdDSA";
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType ?? "unknown"}`);
}

/** Public JWK with kid = RFC 7638 thumbprint, so a key's id follows from the key itself. */
export async function publicJwkFor(privateKey: KeyObject, alg: SigningAlg): Promise<JWK & { kid: string }> {
  const jwk = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return { ...jwk, kid, alg, use: "sig" };
}

export function importPrivatePem(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: "pem" });
}

/**
 * node:crypto's digest and key arguments for a JWS alg, for signing (lib/identity/tokens/sign.ts)
 * and verifying (own-jws.ts) alike: EdDSA names no digest, and JWS ES256 signatures are r||s
 * (RFC 7518 §3.4), not node's default DER.
 */
export function jwsCryptoArgs(alg: SigningAlg, key: KeyObject): [digest: string | null, key: KeyObject | VerifyKeyObjectInput] {
  if (alg === "EdDSA") return [null, key];
  if (alg === "ES256") return ["sha256", { key, dsaEncoding: "ieee-p1363" }];
  return ["sha256", key];
}
