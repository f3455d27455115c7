import { sign as cryptoSign } from "node:crypto";
import { jwsCryptoArgs } from "@/lib/keys/crypto";
import type { LoadedKey } from "@/lib/keys/keyring";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * JWS compact serialisation (RFC 7515) signed with node:crypto's callback form, which runs
 * the RSA/EC operation on libuv's thread pool instead of the event loop: on the token
 * endpoint signing is most of the CPU, and this lets it use a second core. The tests and the
 * benches verify what it signs with jose against the JWKS, so this encoder is checked by an
 * independent library (Vigil's own verifier, lib/keys/own-jws.ts, is checked against jose too).
 */
export function signJwt(key: LoadedKey, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const privateKey = key.privateKey;
  if (!privateKey) return Promise.reject(new Error(`no private key for ${key.kid}`));
  const input = `${b64({ ...header, alg: key.alg, kid: key.kid })}.${b64(claims)}`;
  const data = Buffer.from(input);
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, signature: Buffer) =>
      error ? reject(error) : resolve(`${input}.${signature.toString("base64url")}`);
    const [digest, signingKey] = jwsCryptoArgs(key.alg, privateKey);
    cryptoSign(digest, data, signingKey, done);
  });
}
