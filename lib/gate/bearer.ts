import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { UnauthorizedError } from "@/lib/errors";
import { tokenInactiveReason } from "@/lib/identity/tokens/status";
import { TokenInvalid, verifyVigilToken } from "@/lib/identity/tokens/verify";
import { getMetrics } from "@/lib/observability/metrics";
import type { Actor } from "./actor";

const quote = (s: string) => s.replace(/["\\]/g, "");

/** RFC 6750 §3 challenge naming the cause. */
export function invalidToken(description: string): UnauthorizedError {
  getMetrics().authFailures.inc({ kind: "bearer", reason: description });
  return new UnauthorizedError(
    `Bearer token rejected: ${description}.`,
    `Bearer realm="vigil", error="invalid_token", error_description="${quote(description)}"`,
  );
}

/**
 * Authenticates an API caller from `Authorization: Bearer <jwt>` issued by Vigil for
 * Vigil's own API audience. The gate issue adds external issuers and sessions behind the
 * same function.
 */
export async function authenticateBearer(db: Executor, authorization: string | null): Promise<Actor> {
  const match = authorization ? /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim()) : null;
  if (!match?.[1]) throw invalidToken(authorization ? "malformed bearer token" : "missing bearer token");
  try {
    const claims = await verifyVigilToken(match[1], getConfig().apiAudience);
    const inactive = await tokenInactiveReason(db, claims);
    if (inactive) throw invalidToken(inactive);
    return {
      kind: "agent",
      id: claims.sub,
      clientId: claims.client_id,
      scopes: new Set((claims.scope ?? "").split(" ").filter(Boolean)),
      label: `agent:${claims.sub}`,
    };
  } catch (error) {
    if (error instanceof TokenInvalid) throw invalidToken(error.reason);
    throw error;
  }
}
