import { TokenInvalid } from "./verify";

/** What a cache entry holds at least: the verified claims, of which `exp` ends the entry. */
export type Verified = { claims: { exp: number } };

/**
 * Tokens whose signature and issuer have been verified, keyed by the exact token string.
 * A gateway sees the same token on every request of an agent until it expires, and the
 * signature check is most of a validation; everything that can change over a token's life
 * (expiry, revocation, suspension, the audience a caller asks for) is still checked on
 * every use. Bounded: oldest first out, and nothing outlives its token. The gateway and API
 * bearer check keep one (lib/gate/bearer.ts), introspection another (verified-claims.ts).
 */
export class VerifiedTokenCache<T extends Verified> {
  private entries = new Map<string, T>();

  constructor(private readonly max: number) {}

  get(token: string): T | undefined {
    return this.max > 0 ? this.entries.get(token) : undefined;
  }

  set(token: string, verified: T): void {
    if (this.max === 0) return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, verified);
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  /** Drops tokens past their expiry (called periodically, so memory follows live tokens). */
  sweep(nowSeconds: number): void {
    for (const [token, v] of this.entries) if (v.claims.exp < nowSeconds) this.entries.delete(token);
  }
}

/** One cache per process and purpose, swept of expired tokens every minute. */
export function sweptCache<T extends Verified>(max: number): VerifiedTokenCache<T> {
  const cache = new VerifiedTokenCache<T>(max);
  const sweep = setInterval(() => cache.sweep(Math.floor(Date.now() / 1000) - 60), 60_000);
  sweep.unref();
  return cache;
}

/** Cached tokens age: expiry and not-before are checked on every use. */
export function checkTimes(claims: { exp: number; nbf?: unknown }, leeway: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp + leeway < now) throw new TokenInvalid("token expired");
  if (typeof claims.nbf === "number" && claims.nbf - leeway > now) throw new TokenInvalid("token not yet valid");
}
