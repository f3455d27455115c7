import { afterEach, describe, expect, it } from "vitest";
import { getConfig, setConfig } from "@/lib/config";
import { clientIpOf, requestIdOf } from "./request-facts";

const original = getConfig();
const withXff = (xff: string) => new Request("http://vigil.internal/", { headers: { "x-forwarded-for": xff } });

describe("request facts", () => {
  afterEach(() => setConfig(original));

  it("uses the socket address the server appended, ignoring what the client claims", () => {
    expect(clientIpOf(withXff("6.6.6.6, 10.0.0.7"))).toBe("10.0.0.7");
  });

  it("behind one trusted proxy takes the address the proxy appended, never the client's forgery", () => {
    setConfig({ ...original, TRUST_PROXY: { hops: 1 } });
    // forged by the client, appended by the proxy, appended by Vigil (the proxy's socket)
    expect(clientIpOf(withXff("6.6.6.6, 203.0.113.9, 10.0.0.2"))).toBe("203.0.113.9");
    expect(clientIpOf(withXff("::ffff:10.0.0.2"))).toBe("10.0.0.2");
    expect(clientIpOf(withXff("not-an-ip, 10.0.0.2"))).toBeNull();
  });

  it("behind N trusted hops takes the address N places left of the socket's", () => {
    setConfig({ ...original, TRUST_PROXY: { hops: 2 } });
    // forged, client (appended by the outer proxy), outer proxy (by the inner), inner proxy (socket)
    expect(clientIpOf(withXff("6.6.6.6, 203.0.113.9, 10.0.0.3, 10.0.0.2"))).toBe("203.0.113.9");
    // Fewer entries than hops: the leftmost is the best known.
    expect(clientIpOf(withXff("10.0.0.3, 10.0.0.2"))).toBe("10.0.0.3");
  });

  it("behind proxies named by CIDR ranges takes the first address from the right outside them", () => {
    setConfig({ ...original, TRUST_PROXY: { cidrs: ["10.0.0.0/8", "fd00::/8"] } });
    expect(clientIpOf(withXff("6.6.6.6, 203.0.113.9, 10.1.2.3, fd00::5"))).toBe("203.0.113.9");
    // A caller reaching Vigil directly (its socket is outside the ranges) cannot forge anything.
    expect(clientIpOf(withXff("10.9.9.9, 198.51.100.4"))).toBe("198.51.100.4");
    expect(clientIpOf(withXff("::ffff:10.0.0.2"))).toBe("10.0.0.2");
  });

  it("keeps a sane request id and replaces a hostile one", () => {
    expect(requestIdOf(new Request("http://x/", { headers: { "x-request-id": "abc-1.2:3" } }))).toBe("abc-1.2:3");
    expect(requestIdOf(new Request("http://x/", { headers: { "x-request-id": "a".repeat(200) } }))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
