import type { IpAddress } from "./ast";

/**
 * IPv4/IPv6 parsing and PostgreSQL inet comparison, by hand so it runs in the browser (no
 * node:net). Accepts a subset of what PostgreSQL's inet input accepts, so a value that
 * passes here never makes the database throw.
 */

export type ParsedInet = { address: IpAddress; prefix: number | null };

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|\d{1,2}|0\d\d)$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

// PostgreSQL's inet accepts leading zeros in a plain IPv4 address but not in one embedded
// in IPv6 (::ffff:010.0.0.1 is a cast error there), so the embedded form is stricter.
const EMBEDDED_IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

function parseIpv4(text: string, embedded = false): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!(embedded ? EMBEDDED_IPV4_PART : IPV4_PART).test(part)) return null;
    bytes.push(Number.parseInt(part, 10));
  }
  return bytes;
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const bytes: number[] = [];
  const groups = text.split(":");
  for (const [i, group] of groups.entries()) {
    // An embedded IPv4 address may only stand in for the last two groups.
    if (i === groups.length - 1 && group.includes(".")) {
      const v4 = parseIpv4(group, true);
      if (!v4) return null;
      bytes.push(...v4);
      continue;
    }
    if (!HEX_GROUP.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const [head = "", tail] = halves;
  if (tail === undefined) {
    const bytes = parseGroups(head);
    return bytes && bytes.length === 16 ? bytes : null;
  }
  // "::" stands for at least one zero group, and an IPv4 tail only fits after it.
  if (head.includes(".")) return null;
  const left = parseGroups(head);
  const right = parseGroups(tail);
  if (!left || !right || left.length + right.length > 14) return null;
  return [...left, ...new Array<number>(16 - left.length - right.length).fill(0), ...right];
}

export function parseAddress(text: string): IpAddress | null {
  if (text.includes(":")) {
    const bytes = parseIpv6(text);
    return bytes ? { family: 6, bytes } : null;
  }
  const bytes = parseIpv4(text);
  return bytes ? { family: 4, bytes } : null;
}

/** "addr" or "addr/prefix"; null when it is neither. */
export function parseInet(text: string): ParsedInet | null {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  if (!address) return null;
  if (slash === -1) return { address, prefix: null };
  const prefixText = text.slice(slash + 1);
  if (!PREFIX.test(prefixText)) return null;
  const prefix = Number.parseInt(prefixText, 10);
  return prefix <= maxPrefix(address) ? { address, prefix } : null;
}

function maxPrefix(address: IpAddress): number {
  return address.family === 4 ? 32 : 128;
}

function samePrefixBits(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i += 1) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((a[i] ?? 0) & mask) !== ((b[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The stored value (PostgreSQL's inet output, e.g. "10.0.0.1" or "10.1.0.0/16") against a
 * query value: `ip = v::inet` for an address (same family, mask and bits), `ip <<= v::inet`
 * for a network (same family, at least as long a mask, same leading bits).
 */
export function inetMatches(stored: string, value: ParsedInet): boolean {
  const row = parseInet(stored);
  if (!row || row.address.family !== value.address.family) return false;
  const rowPrefix = row.prefix ?? maxPrefix(row.address);
  if (value.prefix === null) {
    return rowPrefix === maxPrefix(value.address) && samePrefixBits(row.address.bytes, value.address.bytes, rowPrefix);
  }
  return rowPrefix >= value.prefix && samePrefixBits(row.address.bytes, value.address.bytes, value.prefix);
}
