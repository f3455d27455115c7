import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import { getLogger } from "@/lib/observability/logger";

// Keys are refreshed this often in the background, and kept (and used) if a refresh fails.
const REFRESH_MS = 10 * 60_000;
// An unknown kid may trigger a refresh at most this often: a flood of forged kids must not
// become a flood of requests to the provider.
const UNKNOWN_KID_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

export type KeySource = { issuer: string; jwksUri?: string };
export type KeySetStatus = { ok: boolean; error: string | null; fetchedAt: string | null; keys: number };

/**
 * The external provider's JWKS, found by discovery (or OIDC_JWKS_URI). Verification reads
 * only memory; refreshes happen on a timer or for an unknown kid (rate-limited). When the
 * provider is unreachable the cached keys keep working and `status()` tells readiness.
 */
export class RemoteKeySet {
  private keys: JWK[] = [];
  private local: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  private fetchedAt = 0;
  private lastAttempt = 0;
  private error: string | null = "not fetched yet";
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly source: KeySource) {}

  start(): Promise<void> {
    this.timer ??= setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
    return this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  status(): KeySetStatus {
    return {
      ok: this.error === null,
      error: this.error,
      fetchedAt: this.fetchedAt ? new Date(this.fetchedAt).toISOString() : null,
      keys: this.keys.length,
    };
  }

  hasKeys(): boolean {
    return this.keys.length > 0;
  }

  hasKid(kid: string | undefined): boolean {
    return kid !== undefined && this.keys.some((k) => k.kid === kid);
  }

  /** Refreshes for an unknown kid unless one was tried in the last 30 s. */
  async refreshForUnknownKid(): Promise<void> {
    if (Date.now() - this.lastAttempt < UNKNOWN_KID_COOLDOWN_MS) return;
    await this.refresh();
  }

  getKey: JWTVerifyGetKey = (header, token) => this.local(header, token);

  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttempt = Date.now();
    try {
      const jwksUri = this.source.jwksUri ?? (await this.discover());
      const res = await fetch(jwksUri, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error("JWKS has no keys array");
      // Only public asymmetric keys for signing: a symmetric (oct) key in a JWKS is a config error.
      const keys = (body.keys as JWK[]).filter((k) => k.kty !== "oct" && (k.use === undefined || k.use === "sig"));
      this.keys = keys;
      this.local = createLocalJWKSet({ keys });
      this.fetchedAt = Date.now();
      this.error = null;
    } catch (error) {
      this.error = `OIDC discovery failed: ${(error as Error).message}`;
      getLogger().warn({ issuer: this.source.issuer, err: (error as Error).message }, "external JWKS refresh failed; keeping cached keys");
    }
  }

  private async discover(): Promise<string> {
    const url = `${this.source.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    const meta = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
    if (typeof meta.issuer !== "string" || meta.issuer.replace(/\/+$/, "") !== this.source.issuer.replace(/\/+$/, "")) {
      throw new Error("discovery document names another issuer");
    }
    if (typeof meta.jwks_uri !== "string") throw new Error("discovery document has no jwks_uri");
    return meta.jwks_uri;
  }
}
