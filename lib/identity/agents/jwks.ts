import { importJWK } from "jose";
import { z } from "zod";
import type { ClientJwks } from "@/drizzle/schema";
import { ValidationError } from "@/lib/errors";

/**
 * Algorithms an agent may sign client assertions with (private_key_jwt): asymmetric only, so
 * nothing Vigil stores can forge one (no HS256, never "none"). Advertised in metadata.
 */
export const CLIENT_ASSERTION_ALGS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

// Members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1):
// a key that carries one was pasted from the wrong file, and Vigil must never hold it.
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

const b64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, "must be base64url");
const common = {
  kid: z.string().min(1).max(128).regex(/^[\x21-\x7E]+$/, "a kid is printable ASCII without spaces"),
  use: z.literal("sig", { message: 'use must be "sig"' }).optional(),
  key_ops: z.array(z.literal("verify")).max(1).optional(),
};

const publicJwk = z.discriminatedUnion(
  "kty",
  [
    z.strictObject({ ...common, kty: z.literal("EC"), crv: z.literal("P-256", { message: "ES256 keys use crv P-256" }), x: b64url(64), y: b64url(64), alg: z.literal("ES256", { message: "an EC key's alg is ES256" }) }),
    // 2048 to 4096-bit moduli: 342 to 683 base64url characters (RFC 7518 §3.3 asks for ≥ 2048).
    z.strictObject({ ...common, kty: z.literal("RSA"), n: b64url(683).min(342, "RSA keys are 2048 bits or more"), e: b64url(8), alg: z.enum(["RS256", "PS256"], { message: "an RSA key's alg is RS256 or PS256" }) }),
    z.strictObject({ ...common, kty: z.literal("OKP"), crv: z.literal("Ed25519", { message: "EdDSA keys use crv Ed25519" }), x: b64url(64), alg: z.literal("EdDSA", { message: "an OKP key's alg is EdDSA" }) }),
  ],
  { message: "kty is EC, RSA or OKP" },
);

const noPrivateMembers = z.looseObject({}).superRefine((key, ctx) => {
  const found = PRIVATE_MEMBERS.filter((m) => m in key);
  if (found.length > 0) ctx.addIssue({ code: "custom", message: `a public key only: remove the private member${found.length > 1 ? "s" : ""} ${found.join(", ")}` });
});

/**
 * A published JWKS's keys as Vigil takes them (jwks_uri): the members a verifier needs, `alg`
 * inferred where the key type fixes it (EC P-256: ES256, Ed25519: EdDSA; RSA without one:
 * RS256), then the same checks as an inline key. Keys that fail (private members, other
 * curves, short RSA moduli, repeated kids) are left out, not fatal: a publisher may list keys
 * for other uses.
 */
export function publishedKeys(body: unknown): ClientJwks["keys"] {
  const raw = typeof body === "object" && body !== null && Array.isArray((body as { keys?: unknown }).keys) ? (body as { keys: unknown[] }).keys : [];
  const out: ClientJwks["keys"] = [];
  for (const key of raw.slice(0, 50)) {
    if (typeof key !== "object" || key === null) continue;
    const k = key as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((m) => m in k) || (k.use !== undefined && k.use !== "sig")) continue;
    const alg = k.alg ?? (k.kty === "EC" ? "ES256" : k.kty === "OKP" ? "EdDSA" : k.kty === "RSA" ? "RS256" : undefined);
    const picked = Object.fromEntries(["kty", "crv", "x", "y", "n", "e", "kid"].filter((m) => m in k).map((m) => [m, k[m]]));
    const parsed = publicJwk.safeParse({ ...picked, alg });
    if (parsed.success && !out.some((o) => o.kid === parsed.data.kid) && out.length < 10) out.push(parsed.data as ClientJwks["keys"][number]);
  }
  return out;
}

/** Where an agent publishes its keys: https, or http on a loopback host (development). */
export const jwksUri = z
  .string()
  .max(512)
  .refine((value) => {
    try {
      const url = new URL(value);
      if (url.username || url.password || url.hash) return false;
      return url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname));
    } catch {
      return false;
    }
  }, "jwks_uri is an https URL (http only on a loopback host), without userinfo or fragment");

/** An inline JWKS (RFC 7517 §5) of 1-10 public signing keys with distinct kids. */
export const clientJwks = z.strictObject(
  {
    keys: z
      .array(noPrivateMembers.pipe(publicJwk))
      .min(1, "register at least one key (or send jwks: null to remove them)")
      .max(10, "at most 10 keys")
      .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, "kids must not repeat"),
  },
  { error: (issue) => (issue.code === "invalid_type" ? 'jwks must be a JSON object {"keys": [...]}' : undefined) },
);

/**
 * What zod cannot see: that each key is one jose (and so Node's crypto) accepts for its alg,
 * e.g. a point on the curve. Checked at registration so a bad key fails here, not at the
 * agent's first token request.
 */
export async function assertImportableJwks(jwks: ClientJwks | null | undefined): Promise<void> {
  if (!jwks) return;
  const bad: { path: string; message: string }[] = [];
  for (const [i, key] of jwks.keys.entries()) {
    try {
      await importJWK(key, key.alg);
    } catch {
      bad.push({ path: `jwks.keys.${i}`, message: `key ${key.kid} is not a valid ${key.alg} public key` });
    }
  }
  if (bad.length > 0) throw new ValidationError(bad.map((b) => `${b.path}: ${b.message}`).join("; "), bad);
}
