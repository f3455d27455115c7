import { TooManyRequestsError } from "@/lib/errors";
import { processSingleton } from "@/lib/process/singleton";

export type RatePolicy = { perSecond: number; burst: number };
type Bucket = { tokens: number; at: number };

// Bounded memory under a flood of distinct keys (IPs, forged subjects): oldest first out.
const MAX_BUCKETS = 100_000;

/**
 * In-memory token buckets, one per (policy name, key). Limits are per instance: with N
 * replicas behind a balancer a client can reach N times the configured rate (the README
 * says how to size for that).
 */
export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  /** Takes one token or throws 429 with Retry-After; returns the RateLimit header values. */
  take(name: string, key: string, policy: RatePolicy, now = Date.now()): Record<string, string> {
    if (policy.perSecond <= 0) return {};
    const id = `${name}|${key}`;
    let bucket = this.buckets.get(id);
    if (bucket) {
      this.buckets.delete(id);
      bucket.tokens = Math.min(policy.burst, bucket.tokens + ((now - bucket.at) / 1000) * policy.perSecond);
      bucket.at = now;
    } else {
      bucket = { tokens: policy.burst, at: now };
      if (this.buckets.size >= MAX_BUCKETS) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    // Re-inserted so Map order is least recently used first.
    this.buckets.set(id, bucket);
    const reset = Math.ceil((policy.burst - Math.max(0, bucket.tokens - 1)) / policy.perSecond);
    if (bucket.tokens < 1) {
      const retry = Math.max(1, Math.ceil((1 - bucket.tokens) / policy.perSecond));
      const error = new TooManyRequestsError(`Rate limit exceeded (${name}); retry in ${retry} s.`, retry);
      Object.assign(error.headers, { "RateLimit-Limit": String(policy.burst), "RateLimit-Remaining": "0", "RateLimit-Reset": String(retry) });
      throw error;
    }
    bucket.tokens -= 1;
    return {
      "RateLimit-Limit": String(policy.burst),
      "RateLimit-Remaining": String(Math.floor(bucket.tokens)),
      "RateLimit-Reset": String(reset),
    };
  }
}

/**
 * The bucket key for an address: IPv6 by its /64, since one host is usually given a
 * whole /64 and could otherwise mint a fresh bucket per request.
 */
export function addressKey(ip: string | null): string {
  if (!ip) return "unknown";
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

export const rateLimiter = () => processSingleton("rate-limiter", () => new RateLimiter());
