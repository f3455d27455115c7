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
 * address to X-Forwarded-For; entries before it are the client's word and count only
 * with TRUST_PROXY.
 */
export function clientIpOf(request: Request): string | null {
  const chain = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const ip = (getConfig().TRUST_PROXY ? chain[0] : chain.at(-1)) ?? null;
  const bare = ip?.replace(/^::ffff:/, "") ?? null;
  return bare && isIP(bare) ? bare : null;
}
