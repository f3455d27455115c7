import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { getConfig } from "@/lib/config";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token, else a fresh one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The client address. The server in front (the fast lane, or Next) appends the socket
 * address to X-Forwarded-For. With TRUST_PROXY that socket is one trusted proxy, and the
 * client is the entry the proxy appended just before it; anything further left is the
 * client's own word (a forged X-Forwarded-For) and never counts.
 */
export function clientIpOf(request: Request): string | null {
  const chain = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const ip = (getConfig().TRUST_PROXY ? (chain.at(-2) ?? chain.at(-1)) : chain.at(-1)) ?? null;
  const bare = ip?.replace(/^::ffff:/, "") ?? null;
  return bare && isIP(bare) ? bare : null;
}
