import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { UnauthorizedError } from "@/lib/errors";
import { tokenInactiveReason } from "@/lib/identity/tokens/status";
import { protectedResourceMetadataUrl } from "@/lib/identity/discovery";
import { actChain, TokenInvalid, verifyVigilToken } from "@/lib/identity/tokens/verify";
import { verifyProviderToken } from "@/lib/identity/tokens/verify-provider";
import { getMetrics } from "@/lib/observability/metrics";
import type { Actor } from "@/lib/access/actor";
import { externalKeySet } from "@/lib/keys/external-issuer";
import { peekJwt } from "@/lib/keys/peek";
import { VerifiedTokenCache, type VerifiedToken } from "./verified-cache";
import { processSingleton } from "@/lib/process/singleton";

const quote = (s: string) => s.replace(/["\\]/g, "");

/**
 * Where the caller may learn how to get a token for the resource it called (RFC 9728 §5.1):
 * Vigil's own API's metadata, or the one a gateway names for the service behind it.
 */
export type ChallengeContext = { resourceMetadata?: string | null };

const metadataParam = (c: ChallengeContext) => (c.resourceMetadata ? `, resource_metadata="${quote(c.resourceMetadata)}"` : "");

/** RFC 6750 §3 challenge naming the cause. */
export function invalidToken(description: string, challenge: ChallengeContext = {}): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "bearer", reason: description });
  return new UnauthorizedError(
    `Bearer token rejected: ${description}.`,
    `Bearer realm="vigil", error="invalid_token", error_description="${quote(description)}"${metadataParam(challenge)}`,
  );
}

/** RFC 6750 §3.1: a request with no credentials at all gets a challenge with no error code. */
function missingToken(challenge: ChallengeContext): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "bearer", reason: "missing bearer token" });
  return new UnauthorizedError("This request needs a bearer token: missing bearer token.", `Bearer realm="vigil"${metadataParam(challenge)}`);
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;
// Vigil's tokens are well under 2 kB and providers' under 4 kB; the verified-token cache
// holds token strings, so an unbounded size would be unbounded memory.
const MAX_TOKEN_LENGTH = 8192;

/** The raw token of an `Authorization: Bearer` header, or a 401 naming what is wrong. */
export function bearerToken(authorization: string | null, challenge: ChallengeContext = {}): string {
  if (!authorization) throw missingToken(challenge);
  const match = BEARER.exec(authorization.trim());
  if (!match?.[1] || match[1].length > MAX_TOKEN_LENGTH) throw invalidToken("malformed bearer token", challenge);
  return match[1];
}

function verifiedTokens(): VerifiedTokenCache {
  return processSingleton("verified-tokens", () => {
    const cache = new VerifiedTokenCache(getConfig().VERIFIED_TOKEN_CACHE_SIZE);
    const sweep = setInterval(() => cache.sweep(Math.floor(Date.now() / 1000) - 60), 60_000);
    sweep.unref();
    return cache;
  });
}

/**
 * Authenticates a bearer JWT from Vigil's own issuer or the organisation's provider. The
 * issuer is chosen by the (unverified) `iss` and every check after that is the issuer's
 * own: its keys, its algorithm allow-list, its audience. `none`, HMAC and unknown kids
 * never verify. Only memory is read: keys are cached, verified tokens are cached, and
 * revocations come from the gate's view.
 *
 * `audiences`: what a Vigil-issued token must be for (default: Vigil's own API, whose 401s
 * then point at its RFC 9728 metadata unless `challenge` names another resource's).
 */
export async function authenticateBearer(db: Executor, authorization: string | null, audiences?: readonly string[], challenge?: ChallengeContext): Promise<Actor> {
  const named: ChallengeContext = challenge ?? (audiences ? {} : { resourceMetadata: protectedResourceMetadataUrl() });
  const token = bearerToken(authorization, named);
  const config = getConfig();
  try {
    const cache = verifiedTokens();
    let verified = cache.get(token);
    if (verified?.issuer === "external" && !externalKeySet()?.hasKid(verified.kid)) {
      // The provider has dropped the key since: verify again (and fail if it is gone).
      cache.delete(token);
      verified = undefined;
    }
    if (!verified) {
      verified = await verifyFresh(token);
      cache.set(token, verified);
    }
    checkTimes(verified, config.CLOCK_LEEWAY_SECONDS);
    if (verified.issuer === "own") {
      if (!audienceMatches(verified.claims.aud, audiences ?? [config.apiAudience])) throw new TokenInvalid("wrong audience");
      const inactive = await tokenInactiveReason(db, verified.claims as Parameters<typeof tokenInactiveReason>[1]);
      if (inactive) throw new TokenInvalid(inactive);
    } else if (!audienceMatches(verified.claims.aud, audiences ?? [config.OIDC_AUDIENCE ?? config.apiAudience])) {
      // The gateway passes its own audiences for every issuer: a provider token meant for
      // Vigil's API is not a pass to the services behind the gateway, nor the reverse.
      throw new TokenInvalid("wrong audience");
    }
    return verified.actor;
  } catch (error) {
    if (error instanceof TokenInvalid) throw invalidToken(error.reason, named);
    throw error;
  }
}

function audienceMatches(aud: unknown, allowed: readonly string[]): boolean {
  const given = Array.isArray(aud) ? aud : [aud];
  return given.some((a) => typeof a === "string" && allowed.includes(a));
}

/** Cached tokens age: expiry and not-before are checked on every use. */
function checkTimes(verified: VerifiedToken, leeway: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (verified.claims.exp + leeway < now) throw new TokenInvalid("token expired");
  if (typeof verified.claims.nbf === "number" && verified.claims.nbf - leeway > now) throw new TokenInvalid("token not yet valid");
}

async function verifyFresh(token: string): Promise<VerifiedToken> {
  const peeked = peekJwt(token);
  if ("refused" in peeked) throw new TokenInvalid(peeked.refused === "malformed" ? "malformed token" : "algorithm not allowed");
  if (peeked.from === "vigil") return ownToken(token, peeked.kid);
  if (peeked.from === "provider" && externalKeySet()) return externalToken(token, peeked.kid);
  throw new TokenInvalid("wrong issuer");
}

async function ownToken(token: string, kid: string | undefined): Promise<VerifiedToken> {
  const claims = await verifyVigilToken(token);
  const scopes = new Set((claims.scope ?? "").split(" ").filter(Boolean));
  const base = { issuer: "own" as const, claims, kid };
  if (claims.act) {
    // A person acting through agents: the person is the subject, the token's scopes are
    // already the intersection, and the chain travels with the actor into the audit log.
    const chain = actChain(claims.act).map((hop) => hop.sub);
    return {
      ...base,
      actor: { kind: "delegated", id: claims.sub, clientId: claims.client_id, scopes, label: `user:${claims.sub}`, delegation: { chain, grantIds: claims.delegation_ids ?? [] } },
    };
  }
  return { ...base, actor: { kind: "agent", id: claims.sub, clientId: claims.client_id, scopes, label: `agent:${claims.sub}` } };
}

async function externalToken(token: string, kid: string | undefined): Promise<VerifiedToken> {
  const verified = await verifyProviderToken(token, kid);
  const sub = verified.claims.sub;
  return {
    issuer: "external",
    claims: verified.claims,
    kid,
    actor: { kind: "external", id: sub, clientId: verified.clientId, scopes: verified.apiScopes, label: `oidc:${sub}`, person: verified.person },
  };
}
