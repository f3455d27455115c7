import { randomUUID } from "node:crypto";
import type { IncomingRequest } from "@/lib/context";
import { BlockList, isIP } from "node:net";
import { getConfig } from "@/lib/config";
import type { TrustProxy } from "@/lib/config/env-schema";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token, else a fresh one. */
export function requestIdOf(request: IncomingRequest): string {
  const given = request.headers.get("x-request-id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The client address. The server in front (the fast lane, or Next) appends the socket
 * address to X-Forwarded-For. TRUST_PROXY says which of the addresses at the right end are
 * proxies of ours: with N hops, the client is the entry N places left of the end; with
 * CIDR ranges, the first entry from the right outside them. Anything further left is the
 * client's own word (a forged X-Forwarded-For) and never counts.
 */
export function clientIpOf(request: IncomingRequest): string | null {
  const chain = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim().replace(/^::ffff:/, ""))
    .filter(Boolean);
  const trust = getConfig().TRUST_PROXY;
  let ip: string | undefined;
  if ("hops" in trust) ip = chain.at(-1 - trust.hops) ?? chain[0];
  else {
    const proxies = blockListOf(trust);
    let i = chain.length - 1;
    while (i > 0 && isTrusted(proxies, chain[i] ?? "")) i--;
    ip = chain[i];
  }
  return ip && isIP(ip) ? ip : null;
}

/** Whether anything the socket peer sent in X-Forwarded-For may count (node:http fast lane). */
export function trustsProxies(trust: TrustProxy = getConfig().TRUST_PROXY): boolean {
  return "cidrs" in trust || trust.hops > 0;
}

const lists = new WeakMap<TrustProxy, BlockList>();

function blockListOf(trust: { cidrs: string[] }): BlockList {
  let list = lists.get(trust);
  if (!list) {
    list = new BlockList();
    for (const cidr of trust.cidrs) {
      const [address = "", bits = "32"] = cidr.split("/");
      list.addSubnet(address, Number(bits), isIP(address) === 6 ? "ipv6" : "ipv4");
    }
    lists.set(trust, list);
  }
  return list;
}

function isTrusted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? "ipv6" : "ipv4");
}
