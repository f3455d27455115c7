import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { UnauthorizedError } from "@/lib/errors";
import { tokenInactiveReason } from "@/lib/identity/tokens/status";
import { describeJoseError, TokenInvalid, verifyVigilToken } from "@/lib/identity/tokens/verify";
import { getMetrics } from "@/lib/observability/metrics";
import type { Actor } from "./actor";
import { externalKeySet } from "./external-issuer";
import { roleFromClaims, scopesOfRole } from "./roles";

const quote = (s: string) => s.replace(/["\\]/g, "");

/** RFC 6750 §3 challenge naming the cause. */
export function invalidToken(description: string): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "bearer", reason: description });
  return new UnauthorizedError(
    `Bearer token rejected: ${description}.`,
    `Bearer realm="vigil", error="invalid_token", error_description="${quote(description)}"`,
  );
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i;

/** The raw token of an `Authorization: Bearer` header, or a 401 naming what is wrong. */
export function bearerToken(authorization: string | null): string {
  const match = authorization ? BEARER.exec(authorization.trim()) : null;
  if (!match?.[1]) throw invalidToken(authorization ? "malformed bearer token" : "missing bearer token");
  return match[1];
}

/**
 * Authenticates a bearer JWT from Vigil's own issuer or the organisation's provider. The
 * issuer is chosen by the (unverified) `iss` and every check after that is the issuer's
 * own: its keys, its algorithm allow-list, its audience. `none`, HMAC and unknown kids
 * never verify. Only memory is read: keys are cached and revocations come from the view.
 */
export async function authenticateBearer(db: Executor, authorization: string | null): Promise<Actor> {
  const token = bearerToken(authorization);
  let iss: unknown;
  let alg: unknown;
  try {
    iss = decodeJwt(token).iss;
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw invalidToken("malformed token");
  }
  if (typeof alg !== "string" || alg === "none" || alg.startsWith("HS")) throw invalidToken("algorithm not allowed");
  const config = getConfig();
  try {
    if (iss === config.issuer) return await ownActor(db, token);
    const external = externalKeySet();
    if (external && typeof iss === "string" && iss.replace(/\/+$/, "") === config.OIDC_ISSUER?.replace(/\/+$/, "")) {
      return await externalActor(token);
    }
    throw new TokenInvalid("wrong issuer");
  } catch (error) {
    if (error instanceof TokenInvalid) throw invalidToken(error.reason);
    throw error;
  }
}

async function ownActor(db: Executor, token: string): Promise<Actor> {
  const claims = await verifyVigilToken(token, getConfig().apiAudience);
  const inactive = await tokenInactiveReason(db, claims);
  if (inactive) throw new TokenInvalid(inactive);
  return {
    kind: "agent",
    id: claims.sub,
    clientId: claims.client_id,
    scopes: new Set((claims.scope ?? "").split(" ").filter(Boolean)),
    label: `agent:${claims.sub}`,
  };
}

async function externalActor(token: string): Promise<Actor> {
  const config = getConfig();
  const keys = externalKeySet();
  if (!keys) throw new TokenInvalid("wrong issuer");
  const { kid } = decodeProtectedHeader(token);
  if (!keys.hasKeys() || !keys.hasKid(kid)) await keys.refreshForUnknownKid();
  if (!keys.hasKeys()) throw new TokenInvalid(keys.status().error ?? "OIDC discovery failed");
  if (!keys.hasKid(kid)) throw new TokenInvalid("unknown key");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys.getKey, {
      issuer: config.OIDC_ISSUER,
      audience: config.OIDC_AUDIENCE ?? config.apiAudience,
      algorithms: config.OIDC_ALGS.split(","),
      clockTolerance: config.CLOCK_LEEWAY_SECONDS,
      requiredClaims: ["sub", "exp"],
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new TokenInvalid(describeJoseError(error));
    throw error;
  }
  const scopes = new Set<string>();
  if (typeof payload.scope === "string") for (const s of payload.scope.split(" ")) if (s) scopes.add(s);
  if (Array.isArray(payload.scp)) for (const s of payload.scp) if (typeof s === "string") scopes.add(s);
  for (const s of scopesOfRole(roleFromClaims(payload))) scopes.add(s);
  const sub = String(payload.sub);
  const clientId = typeof payload.client_id === "string" ? payload.client_id : typeof payload.azp === "string" ? payload.azp : undefined;
  return { kind: "external", id: sub, clientId, scopes, label: `oidc:${sub}` };
}
