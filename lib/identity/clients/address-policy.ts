import { isIPv4, isIPv6 } from "node:net";

/**
 * Which addresses Vigil refuses to fetch a client's metadata from: anything that is not a
 * public unicast address. A client chooses the URL, so without this a client_id could make
 * Vigil read its own admin ports, a cloud metadata service (169.254.169.254) or the
 * office network (SSRF). Ranges from the IANA special-purpose registries (RFC 6890).
 */
export type SpecialAddressKind = "unspecified" | "loopback" | "private" | "link-local" | "unique-local" | "multicast" | "reserved";

type Range = readonly [prefix: readonly number[], bits: number, kind: SpecialAddressKind];

const IPV4: readonly Range[] = [
  [[0, 0, 0, 0], 8, "unspecified"], // "this network"
  [[10, 0, 0, 0], 8, "private"],
  [[100, 64, 0, 0], 10, "private"], // shared address space (carrier-grade NAT)
  [[127, 0, 0, 0], 8, "loopback"],
  [[169, 254, 0, 0], 16, "link-local"], // cloud metadata services live here
  [[172, 16, 0, 0], 12, "private"],
  [[192, 0, 0, 0], 24, "reserved"], // IETF protocol assignments
  [[192, 168, 0, 0], 16, "private"],
  [[198, 18, 0, 0], 15, "reserved"], // benchmarking
  [[224, 0, 0, 0], 4, "multicast"],
  [[240, 0, 0, 0], 4, "reserved"], // future use, and 255.255.255.255 broadcast
];

const v6 = (...groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);

const IPV6: readonly Range[] = [
  [v6(0, 0, 0, 0, 0, 0, 0, 0), 128, "unspecified"],
  [v6(0, 0, 0, 0, 0, 0, 0, 1), 128, "loopback"],
  [v6(0, 0, 0, 0, 0, 0), 96, "reserved"], // IPv4-compatible (deprecated)
  [v6(0x64, 0xff9b, 1), 48, "private"], // local-use NAT64
  [v6(0x100, 0, 0, 0), 64, "reserved"], // discard-only
  [v6(0x2001, 0), 32, "reserved"], // Teredo: tunnels to addresses it hides
  [v6(0xfc00), 7, "unique-local"],
  [v6(0xfe80), 10, "link-local"],
  [v6(0xfec0), 10, "private"], // site-local (deprecated)
  [v6(0xff00), 8, "multicast"],
];

// IPv6 prefixes that carry an IPv4 address, which is then judged as IPv4: ::ffff:127.0.0.1
// is 127.0.0.1 to the kernel, and a NAT64 or 6to4 gateway forwards to the embedded address.
const EMBEDDING: readonly (readonly [prefix: readonly number[], bits: number, at: number])[] = [
  [v6(0, 0, 0, 0, 0, 0xffff), 96, 12], // IPv4-mapped
  [v6(0x64, 0xff9b, 0, 0, 0, 0), 96, 12], // NAT64 well-known prefix
  [v6(0x2002), 16, 2], // 6to4
];

function inPrefix(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> i % 8;
    if (((bytes[i >> 3] ?? 0) & mask) !== ((prefix[i >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv6Bytes(ip: string): number[] {
  let text = ip;
  let embedded: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    embedded = dotted[1].split(".").map(Number);
    text = `${text.slice(0, -dotted[1].length)}0:0`;
  }
  const [head = "", tail] = text.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = v6(...all);
  if (embedded.length === 4) bytes.splice(12, 4, ...embedded);
  return bytes;
}

function kindOf(bytes: readonly number[], ranges: readonly Range[]): SpecialAddressKind | null {
  return ranges.find(([prefix, bits]) => inPrefix(bytes, prefix, bits))?.[2] ?? null;
}

/**
 * Why `ip` must not be fetched from, or null for a public unicast address. Accepts IPv4
 * dotted quads and IPv6 text with or without brackets; anything else is "reserved" (refused).
 */
export function specialAddressKind(ip: string): SpecialAddressKind | null {
  const bare = ip.replace(/^\[(.*)\]$/, "$1");
  if (isIPv4(bare)) return kindOf(bare.split(".").map(Number), IPV4);
  if (!isIPv6(bare) || bare.includes("%")) return "reserved";
  const bytes = ipv6Bytes(bare);
  for (const [prefix, bits, at] of EMBEDDING) {
    if (inPrefix(bytes, prefix, bits)) return kindOf(bytes.slice(at, at + 4), IPV4);
  }
  return kindOf(bytes, IPV6);
}

/** The address as a WHATWG URL hostname ("127.0.0.1", "[::1]"): how allowlist entries are written. */
export function addressAsHostname(ip: string): string {
  const bare = ip.replace(/^\[(.*)\]$/, "$1");
  try {
    return new URL(`https://${isIPv6(bare) ? `[${bare}]` : bare}/`).hostname;
  } catch {
    return ip;
  }
}

/** Whether a URL hostname is an IP literal rather than a name. */
export function isIpLiteral(hostname: string): boolean {
  return isIPv4(hostname) || (hostname.startsWith("[") && isIPv6(hostname.slice(1, -1)));
}
