import { describe, expect, it } from "vitest";
import { TooManyRequestsError } from "@/lib/errors";
import { addressKey, RateLimiter } from "./rate-limit";

describe("RateLimiter", () => {
  it("allows a burst, then refuses with Retry-After, then refills at the rate", () => {
    const limiter = new RateLimiter();
    const policy = { perSecond: 2, burst: 3 };
    const t0 = 1_000_000;
    expect(limiter.take("p", "ip", policy, t0)["RateLimit-Remaining"]).toBe("2");
    limiter.take("p", "ip", policy, t0);
    limiter.take("p", "ip", policy, t0);
    const refused = (() => {
      try {
        limiter.take("p", "ip", policy, t0);
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect((refused as TooManyRequestsError).headers["Retry-After"]).toBe("1");
    expect(() => limiter.take("p", "other-ip", policy, t0)).not.toThrow();
    expect(() => limiter.take("p", "ip", policy, t0 + 500)).not.toThrow();
    expect(() => limiter.take("p", "ip", policy, t0 + 500)).toThrow(TooManyRequestsError);
  });

  it("does nothing when the policy is off", () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 1000; i++) limiter.take("p", "ip", { perSecond: 0, burst: 0 });
  });
});

describe("addressKey", () => {
  it("keys IPv4 by address and IPv6 by its /64", () => {
    expect(addressKey("10.1.2.3")).toBe("10.1.2.3");
    expect(addressKey("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey(null)).toBe("unknown");
  });
});
