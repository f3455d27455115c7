import { getConfig } from "@/lib/config";
import type { Lapse, PopRequest } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { UnauthorizedError } from "@/lib/errors";
import { tokenInactiveReason } from "@/lib/identity/tokens/status";
import { protectedResourceMetadataUrl } from "@/lib/identity/discovery";
import { actChain, boundKey, TokenInvalid, verifyVigilToken, type VigilClaims } from "@/lib/identity/tokens/verify";
import { verifyProviderToken } from "@/lib/identity/tokens/verify-provider";
import { DpopProofError } from "@/lib/identity/dpop/errors";
import { dpopPolicy } from "@/lib/identity/dpop/policy";
import { provePossession, type PopPoint } from "@/lib/identity/dpop/prove";
import { boundedReason, getMetrics } from "@/lib/observability/metrics";
import type { Actor } from "@/lib/access/actor";
import { externalKeySet } from "@/lib/keys/external-issuer";
import { peekJwt } from "@/lib/keys/peek";
import { providerTokenLapse, tokenLapse } from "./lapse";
import { checkTimes, sweptCache, type VerifiedTokenCache } from "@/lib/identity/tokens/verified-cache";
import type { JWTPayload } from "jose";
import { processSingleton } from "@/lib/process/singleton";

const quote = (s: string) => s.replace(/["\\]/g, "");

/**
 * Where the caller may learn how to get a token for the resource it called (RFC 9728 §5.1):
 * Vigil's own API's metadata, or the one a gateway names for the service behind it.
 */
export type ChallengeContext = { resourceMetadata?: string | null };

const metadataParam = (c: ChallengeContext) => (c.resourceMetadata ? `, resource_metadata="${quote(c.resourceMetadata)}"` : "");

/** RFC 9449 §7.1: the DPoP challenge, naming the proof algorithms accepted. */
const dpopChallenge = (params = "") => `DPoP ${params}algs="${dpopPolicy().algorithms.join(" ")}"`;

/** RFC 6750 §3 challenge naming the cause. */
export function invalidToken(description: string, challenge: ChallengeContext = {}): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "bearer", reason: boundedReason(description) });
  return new UnauthorizedError(
    `Bearer token rejected: ${description}.`,
    `Bearer realm="vigil", error="invalid_token", error_description="${quote(description)}"${metadataParam(challenge)}, ${dpopChallenge()}`,
  );
}

/** A DPoP-bound token's failure (RFC 9449 §7.1): the challenge is DPoP's, with its error code. */
function refusedProof(code: string, description: string, challenge: ChallengeContext, headers: Record<string, string> = {}): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "dpop", reason: code });
  const error = new UnauthorizedError(
    `DPoP proof rejected: ${description}`,
    `${dpopChallenge(`error="${code}", error_description="${quote(description)}", `)}${metadataParam(challenge)}`,
  );
  Object.assign(error.headers, headers);
  return error;
}

/** RFC 6750 §3.1: a request with no credentials at all gets a challenge with no error code. */
function missingToken(challenge: ChallengeContext): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "bearer", reason: "missing bearer token" });
  return new UnauthorizedError("This request needs a bearer token: missing bearer token.", `Bearer realm="vigil"${metadataParam(challenge)}, ${dpopChallenge()}`);
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;
const PRESENTED = /^(Bearer|DPoP)[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;
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

/** The token of an `Authorization: Bearer` or `Authorization: DPoP` header (RFC 9449 §7.1), and which. */
function presentedToken(authorization: string | null, challenge: ChallengeContext): { token: string; dpop: boolean } {
  if (!authorization) throw missingToken(challenge);
  const match = PRESENTED.exec(authorization.trim());
  if (!match?.[1] || !match[2] || match[2].length > MAX_TOKEN_LENGTH) throw invalidToken("malformed bearer token", challenge);
  return { token: match[2], dpop: match[1].toLowerCase() === "dpop" };
}

/**
 * The request a DPoP proof must be for, where it is checked (Vigil's API or the gateway), and
 * who the log names when it is refused (the gateway audits its own refusals).
 */
export type PopContext = { request: PopRequest; point: PopPoint; audit?: { requestId: string | null; ip: string | null; userAgent: string | null } };

type VerifiedToken = {
  issuer: "own" | "external";
  claims: JWTPayload & { sub: string; exp: number };
  actor: Actor;
  kid: string | undefined;
};

function verifiedTokens(): VerifiedTokenCache<VerifiedToken> {
  return processSingleton("verified-tokens", () => sweptCache<VerifiedToken>(getConfig().VERIFIED_TOKEN_CACHE_SIZE));
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
export async function authenticateBearer(db: Db, authorization: string | null, audiences?: readonly string[], challenge?: ChallengeContext, pop?: PopContext): Promise<Actor> {
  return (await verifiedBearer(db, authorization, audiences, challenge, pop)).actor;
}

/**
 * As authenticateBearer, for the gateway: the actor, the audiences of the token among those
 * the gateway accepts (which runtime policy set applies), and whether it is bound to a key.
 */
export async function gatewayBearer(db: Db, authorization: string | null, audiences: readonly string[], challenge: ChallengeContext, pop: PopContext): Promise<{ actor: Actor; aud: string[]; bound: boolean }> {
  const verified = await verifiedBearer(db, authorization, audiences, challenge, pop);
  const claimed = verified.claims.aud;
  const aud = (Array.isArray(claimed) ? claimed : claimed ? [claimed] : []).filter((a) => audiences.includes(a));
  return { actor: verified.actor, aud, bound: boundKey(verified.claims) !== null };
}

/** As authenticateBearer, for Vigil's API: the actor, and how long the token's authority lasts. */
export async function bearerCaller(db: Db, authorization: string | null, pop?: PopContext): Promise<{ actor: Actor; lapse: Lapse }> {
  const verified = await verifiedBearer(db, authorization, undefined, undefined, pop);
  const lapse = verified.issuer === "own" ? tokenLapse(db, verified.claims as VigilClaims) : providerTokenLapse(verified.claims.exp);
  return { actor: verified.actor, lapse };
}

async function verifiedBearer(db: Db, authorization: string | null, audiences?: readonly string[], challenge?: ChallengeContext, pop?: PopContext): Promise<VerifiedToken> {
  const named: ChallengeContext = challenge ?? (audiences ? {} : { resourceMetadata: protectedResourceMetadataUrl() });
  const { token, dpop } = presentedToken(authorization, named);
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
    checkTimes(verified.claims, config.CLOCK_LEEWAY_SECONDS);
    if (verified.issuer === "own") {
      if (!audienceMatches(verified.claims.aud, audiences ?? [config.apiAudience])) throw new TokenInvalid("wrong audience");
      const inactive = await tokenInactiveReason(db, verified.claims as Parameters<typeof tokenInactiveReason>[1]);
      if (inactive) throw new TokenInvalid(inactive);
    } else if (!audienceMatches(verified.claims.aud, audiences ?? [config.OIDC_AUDIENCE ?? config.apiAudience])) {
      // The gateway passes its own audiences for every issuer: a provider token meant for
      // Vigil's API is not a pass to the services behind the gateway, nor the reverse.
      throw new TokenInvalid("wrong audience");
    }
    const jkt = boundKey(verified.claims);
    if (jkt || dpop) await proveBinding(db, token, jkt, dpop, verified.actor, pop, named);
    return verified;
  } catch (error) {
    if (error instanceof TokenInvalid) throw invalidToken(error.reason, named);
    throw error;
  }
}

/**
 * RFC 9449 §7: a bound token is accepted only under the DPoP scheme with a proof for this
 * request by its key (ath its hash, htm/htu this request's); an unbound token is never sent
 * under DPoP, nor a bound one as Bearer (which would make the binding optional).
 */
async function proveBinding(db: Db, token: string, jkt: string | null, dpop: boolean, actor: Actor, pop: PopContext | undefined, challenge: ChallengeContext): Promise<void> {
  if (!jkt) throw refusedProof("invalid_token", "This token is not bound to a key; send it as Bearer.", challenge);
  if (!dpop) throw refusedProof("invalid_token", "This token is bound to a DPoP key: send it as Authorization: DPoP with a DPoP proof.", challenge);
  if (!pop) throw refusedProof("invalid_token", "This endpoint cannot check DPoP proofs.", challenge);
  try {
    const audit = pop.audit ? { ...pop.audit, db, by: actor.label, agentId: actor.kind === "agent" ? actor.id : null, clientId: actor.clientId ?? null } : undefined;
    await provePossession(db, { point: pop.point, request: pop.request, accessToken: token, jkt, ...(audit ? { audit } : {}) });
  } catch (error) {
    if (error instanceof DpopProofError) throw refusedProof(error.error, error.description, challenge, error.headers);
    throw error;
  }
}

function audienceMatches(aud: unknown, allowed: readonly string[]): boolean {
  const given = Array.isArray(aud) ? aud : [aud];
  return given.some((a) => typeof a === "string" && allowed.includes(a));
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
