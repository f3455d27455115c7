import type { JWTPayload } from "jose";
import type { Actor } from "@/lib/access/actor";

export type VerifiedToken = {
  issuer: "own" | "external";
  claims: JWTPayload & { sub: string; exp: number };
  actor: Actor;
  kid: string | undefined;
};

/**
 * Tokens whose signature and issuer have been verified, keyed by the exact token string.
 * A gateway sees the same token on every request of an agent until it expires, and the
 * signature check is most of a validation; everything that can change over a token's life
 * (expiry, revocation, suspension, the audience a caller asks for) is still checked on
 * every use. Bounded: oldest first out, and nothing outlives its token.
 */
export class VerifiedTokenCache {
  private entries = new Map<string, VerifiedToken>();

  constructor(private readonly max: number) {}

  get(token: string): VerifiedToken | undefined {
    return this.max > 0 ? this.entries.get(token) : undefined;
  }

  set(token: string, verified: VerifiedToken): void {
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
