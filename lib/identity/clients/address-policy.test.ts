import { describe, expect, it } from "vitest";
import { addressAsHostname, isIpLiteral, specialAddressKind } from "./address-policy";
import { isHostAllowed } from "./client-id-url";
import { ExpiringCache } from "./expiring-cache";

describe("the address policy", () => {
  it.each([
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.255.0.1", "private"],
    ["100.64.0.1", "private"],
    ["100.127.255.255", "private"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link-local"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.0.0.8", "reserved"],
    ["192.168.0.1", "private"],
    ["198.18.0.1", "reserved"],
    ["224.0.0.251", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["::127.0.0.1", "reserved"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["64:ff9b:1::1", "private"],
    ["100::1", "reserved"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"],
    ["2002:7f00:1::", "loopback"],
    ["2002:a00:1::1", "private"],
    ["fc00::1", "unique-local"],
    ["fdff:ffff::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fe80::1%eth0", "reserved"],
    ["fec0::1", "private"],
    ["ff02::fb", "multicast"],
    ["not-an-address", "reserved"],
    ["1.2.3", "reserved"],
  ])("refuses %s as %s", (address, kind) => {
    expect(specialAddressKind(address)).toBe(kind);
  });

  it.each([
    "93.184.215.14",
    "8.8.8.8",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "169.253.255.255",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "fbff::1",
    "fe7f::1",
  ])("accepts the public address %s", (address) => {
    expect(specialAddressKind(address)).toBeNull();
  });

  it("writes addresses as URL hostnames, as allowlist entries are written", () => {
    expect(addressAsHostname("127.0.0.1")).toBe("127.0.0.1");
    expect(addressAsHostname("0:0:0:0:0:0:0:1")).toBe("[::1]");
    expect(addressAsHostname("::ffff:127.0.0.1")).toBe("[::ffff:7f00:1]");
    expect(isIpLiteral("[::1]")).toBe(true);
    expect(isIpLiteral("10.0.0.1")).toBe(true);
    expect(isIpLiteral("example.com")).toBe(false);
  });
});

describe("the host allowlist", () => {
  it.each([
    ["example.com", ["example.com"], true],
    ["a.example.com", ["example.com"], false],
    ["a.example.com", ["*.example.com"], true],
    ["a.b.example.com", ["*.example.com"], true],
    ["example.com", ["*.example.com"], false],
    ["badexample.com", ["*.example.com"], false],
    ["127.0.0.1", ["127.0.0.1"], true],
    ["127.0.0.1", ["*.0.0.1"], false],
    ["[::1]", ["[::1]"], true],
    ["other.com", [], false],
  ] as const)("%s against %j: %s", (host, hosts, allowed) => {
    expect(isHostAllowed(host, hosts)).toBe(allowed);
  });
});

describe("the expiring cache", () => {
  it("forgets entries at their expiry", () => {
    const cache = new ExpiringCache<string>(10);
    cache.set("a", "A", 1000, 0);
    expect(cache.get("a", 999)).toBe("A");
    expect(cache.get("a", 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("holds at most its bound, dropping expired entries first, then the oldest", () => {
    const cache = new ExpiringCache<number>(3);
    cache.set("short", 0, 10, 0);
    cache.set("b", 1, 1000, 0);
    cache.set("c", 2, 1000, 0);
    cache.set("d", 3, 1000, 20); // full: "short" has expired and goes
    expect([cache.get("b", 20), cache.get("c", 20), cache.get("d", 20)]).toEqual([1, 2, 3]);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i, 1000, 20);
    expect(cache.size).toBe(3);
    expect(cache.get("b", 20)).toBeUndefined();
    expect(cache.get("k99", 20)).toBe(99);
  });
});
