import { decodeProtectedHeader, type JWK } from "jose";
import { invalidProof } from "./errors";

// Members only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
const ASYMMETRIC_KTY = new Set(["EC", "RSA", "OKP"]);
// Long enough for an RSA-4096 key in the header; a proof is sent on every request.
const MAX_PROOF_LENGTH = 8192;

/** The single proof among the request's DPoP header values (a fetch Headers joins repeats with ", "). */
export function singleProof(values: string | readonly string[] | null | undefined): string {
  const all = (typeof values === "string" ? [values] : (values ?? []))
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (all.length === 0) throw invalidProof("The request carries no DPoP proof.");
  if (all.length > 1) throw invalidProof("The request carries more than one DPoP proof; send exactly one DPoP header.");
  const [proof = ""] = all;
  if (proof.length > MAX_PROOF_LENGTH) throw invalidProof(`The DPoP proof is longer than ${MAX_PROOF_LENGTH} characters.`);
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) {
    throw invalidProof("The DPoP proof is not a signed JWT in compact serialization.");
  }
  return proof;
}

/**
 * The header checks of RFC 9449 §4.3 steps 4, 5 and 7, before any key is imported: typ,
 * an asymmetric algorithm from the policy, and a public key embedded in `jwk`.
 */
export function checkProofHeader(proof: string, algorithms: readonly string[]): { alg: string; jwk: JWK } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalidProof("The DPoP proof's header is not valid JSON.");
  }
  // Media types compare without the "application/" prefix and case-insensitively (RFC 7515 §4.1.9).
  if (typeof header.typ !== "string" || header.typ.toLowerCase().replace(/^application\//, "") !== "dpop+jwt") {
    throw invalidProof('The DPoP proof\'s typ header must be "dpop+jwt".');
  }
  const alg = header.alg;
  // none and MACs prove nothing about a key pair, whatever the configuration lists.
  if (typeof alg !== "string" || alg === "none" || /^HS/i.test(alg) || !algorithms.includes(alg)) {
    throw invalidProof(`The DPoP proof's alg must be one of ${algorithms.join(", ")}.`);
  }
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    throw invalidProof("The DPoP proof's header carries no jwk (the public key it is signed with).");
  }
  if (PRIVATE_MEMBERS.some((m) => m in jwk) || typeof jwk.kty !== "string" || !ASYMMETRIC_KTY.has(jwk.kty)) {
    throw invalidProof("The DPoP proof's jwk must be a public key: no private or symmetric key members.");
  }
  return { alg, jwk };
}
