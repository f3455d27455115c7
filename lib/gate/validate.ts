import { getConfig } from "@/lib/config";
import { auditBatcher } from "@/lib/audit/batch";
import type { Db } from "@/lib/db/types";
import { ForbiddenError, UnauthorizedError } from "@/lib/errors";
import { getLogger } from "@/lib/observability/logger";
import { hasScope } from "./actor";
import { authenticateBearer } from "./bearer";
import { rateLimiter } from "./rate-limit";

export type ValidateFacts = {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  authorization: string | null;
  requiredScope: string | null;
  originalUri: string | null;
  originalMethod: string | null;
};

/**
 * The gateway check (nginx auth_request): memory only on the way to an answer. Denials are
 * audited without waiting for the write, so a flood of bad tokens costs the gateway nothing
 * extra; the batcher coalesces them.
 */
export async function validateRequest(db: Db, facts: ValidateFacts): Promise<Record<string, string>> {
  try {
    const config = getConfig();
    // Tokens for the services behind the gateway carry their audience, not Vigil's API's.
    const audiences = config.VALIDATOR_AUDIENCES?.split(",").map((a) => a.trim()) ?? [config.apiAudience];
    const actor = await authenticateBearer(db, facts.authorization, audiences);
    rateLimiter().take("validate-subject", actor.id, config.RATE_LIMIT_VALIDATE_PER_SUBJECT);
    const required = (facts.requiredScope ?? "").split(/[\s,]+/).filter(Boolean);
    const missing = required.find((s) => !hasScope(actor, s));
    if (missing) throw new ForbiddenError(`This location requires the ${missing} scope.`, missing);
    const headers: Record<string, string> = {
      "X-User-Id": actor.id,
      "X-Scopes": [...actor.scopes].join(","),
    };
    if (actor.clientId) headers["X-Client-Id"] = actor.clientId;
    return headers;
  } catch (error) {
    if (error instanceof UnauthorizedError || error instanceof ForbiddenError) recordDenial(db, facts, error);
    throw error;
  }
}

function recordDenial(db: Db, facts: ValidateFacts, error: UnauthorizedError | ForbiddenError): void {
  auditBatcher(db)
    .enqueue({
      event: {
        kind: "auth.failed",
        actor: "gateway",
        outcome: error instanceof ForbiddenError ? "denied" : "failure",
        requestId: facts.requestId,
        ip: facts.ip,
        userAgent: facts.userAgent,
        metadata: {
          endpoint: "validate",
          reason: error.message,
          original_uri: facts.originalUri?.slice(0, 2048) ?? null,
          original_method: facts.originalMethod?.slice(0, 16) ?? null,
          required_scope: facts.requiredScope,
        },
      },
    })
    .catch((e: unknown) => getLogger().warn({ err: e }, "could not audit a gateway denial"));
}
