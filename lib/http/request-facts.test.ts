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
    setConfig({ ...original, TRUST_PROXY: true });
    // forged by the client, appended by the proxy, appended by Vigil (the proxy's socket)
    expect(clientIpOf(withXff("6.6.6.6, 203.0.113.9, 10.0.0.2"))).toBe("203.0.113.9");
    expect(clientIpOf(withXff("::ffff:10.0.0.2"))).toBe("10.0.0.2");
    expect(clientIpOf(withXff("not-an-ip, 10.0.0.2"))).toBeNull();
  });

  it("keeps a sane request id and replaces a hostile one", () => {
    expect(requestIdOf(new Request("http://x/", { headers: { "x-request-id": "abc-1.2:3" } }))).toBe("abc-1.2:3");
    expect(requestIdOf(new Request("http://x/", { headers: { "x-request-id": "a".repeat(200) } }))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
