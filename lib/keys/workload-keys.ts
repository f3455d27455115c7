import { readFile, stat } from "node:fs/promises";
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import type { WorkloadIssuer } from "@/lib/config/workload-issuers";
import { getLogger } from "@/lib/observability/logger";
import { readBounded } from "@/lib/streams";

// A JWKS of a few dozen keys is a few kB; anything this large is not one.
const MAX_JWKS_BYTES = 256 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
// A URL's keys are refreshed this often, and at most this often for an unknown kid.
const REFRESH_MS = 5 * 60_000;
const UNKNOWN_KID_COOLDOWN_MS = 30_000;
// A file is looked at (stat) at most this often: a rotated bundle is picked up within a second.
const FILE_CHECK_MS = 1_000;
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

/**
 * One workload issuer's verification keys, from a file or a URL, as jose's key resolver.
 * SPIFFE bundles hold X.509 and JWT authorities side by side: only `use: "jwt-svid"` keys
 * verify JWT-SVIDs (SPIFFE Trust Domain and Bundle §4.2.1). Symmetric keys and keys with
 * private members are dropped. A failed refresh keeps the keys it had (and logs).
 */
export class WorkloadKeySet {
  private local: JWTVerifyGetKey = createLocalJWKSet({ keys: [] });
  private kids = new Set<string>();
  private loaded = false;
  private checkedAt = 0;
  private lastAttempt = 0;
  private mtimeMs = -1;
  private inflight: Promise<void> | null = null;

  constructor(private readonly issuer: WorkloadIssuer) {}

  /** jose's resolver: fresh keys first (a changed file, a stale or unknown-kid URL), then memory. */
  getKey: JWTVerifyGetKey = async (header, token) => {
    await this.fresh(header.kid);
    return this.local(header, token);
  };

  private async fresh(kid: string | undefined): Promise<void> {
    const now = Date.now();
    const unknownKid = kid !== undefined && !this.kids.has(kid);
    if (this.loaded) {
      if (this.issuer.jwks_file && now - this.checkedAt < FILE_CHECK_MS) return;
      const due = now - this.lastAttempt >= REFRESH_MS || (unknownKid && now - this.lastAttempt >= UNKNOWN_KID_COOLDOWN_MS);
      if (!this.issuer.jwks_file && !due) return;
    }
    this.inflight ??= this.load().finally(() => {
      this.inflight = null;
    });
    await this.inflight;
  }

  private async load(): Promise<void> {
    this.lastAttempt = Date.now();
    this.checkedAt = this.lastAttempt;
    try {
      let text: string;
      if (this.issuer.jwks_file) {
        const info = await stat(this.issuer.jwks_file);
        if (this.loaded && info.mtimeMs === this.mtimeMs) return;
        if (info.size > MAX_JWKS_BYTES) throw new Error(`the key file is larger than ${MAX_JWKS_BYTES} bytes`);
        text = await readFile(this.issuer.jwks_file, "utf8");
        this.mtimeMs = info.mtimeMs;
      } else {
        text = await fetchBounded(this.issuer.jwks_uri ?? "");
      }
      this.use(JSON.parse(text) as unknown);
    } catch (error) {
      getLogger().warn({ issuer: this.issuer.name, err: (error as Error).message }, "workload issuer keys could not be loaded; keeping the ones held");
    }
  }

  private use(body: unknown): void {
    const all = typeof body === "object" && body !== null && Array.isArray((body as { keys?: unknown }).keys) ? ((body as { keys: unknown[] }).keys as JWK[]) : null;
    if (!all) throw new Error("the JWKS has no keys array");
    const spiffe = this.issuer.spiffe_trust_domain !== undefined;
    const keys = all.filter(
      (k) =>
        typeof k === "object" &&
        k !== null &&
        k.kty !== "oct" &&
        !PRIVATE_MEMBERS.some((m) => m in k) &&
        (spiffe ? k.use === "jwt-svid" : k.use === undefined || k.use === "sig"),
    );
    // jose refuses a JWKS whose keys have no `use: sig` when use is set otherwise; the SPIFFE
    // use has been checked here, so it is dropped for the local set.
    this.local = createLocalJWKSet({
      keys: keys.map((k) => {
        const copy = { ...k };
        delete copy.use;
        return copy;
      }),
    });
    this.kids = new Set(keys.map((k) => k.kid).filter((k): k is string => typeof k === "string"));
    this.loaded = true;
  }
}

/** GET with a timeout and no redirects, refusing bodies over `maxBytes` (streamed, so a huge one is cut off). */
export async function fetchBounded(url: string, maxBytes = MAX_JWKS_BYTES, timeoutMs = FETCH_TIMEOUT_MS): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" }, redirect: "error" });
  if (!res.ok || !res.body) throw new Error(`the JWKS URL answered ${res.status}`);
  return readBounded(res.body, maxBytes, () => new Error(`the JWKS is larger than ${maxBytes} bytes`));
}

