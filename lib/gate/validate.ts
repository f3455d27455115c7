import { z } from "zod";
import { callerType, hasScope } from "@/lib/access/actor";
import { recordBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { IncomingRequest, RequestFacts, VerbCtx } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { ForbiddenError, UnauthorizedError } from "@/lib/errors";
import { countDecision } from "@/lib/observability/metrics";
import { decideCall } from "@/lib/policy/decide";
import { parseInput } from "@/lib/validation";
import { gatewayBearer } from "./bearer";

/** Tokens for the services behind the gateway carry their audience, not Vigil's API's. */
function gatewayAudiences(): string[] {
  const config = getConfig();
  return config.VALIDATOR_AUDIENCES?.split(",").map((a) => a.trim()) ?? [config.apiAudience];
}

/**
 * RFC 9728 for the services behind the gateway: nginx names the protected resource's
 * metadata URL (X-Resource-Metadata, set in the gateway config) and the validator's 401
 * points the client there. Only an absolute http(s) URL is repeated, never arbitrary text.
 */
function resourceMetadataOf(header: string | null): string | null {
  if (!header || header.length > 512) return null;
  try {
    const url = new URL(header);
    return (url.protocol === "https:" || url.protocol === "http:") && !/["\\\s]/.test(header) ? url.toString() : null;
  } catch {
    return null;
  }
}

/** What nginx tells about the request it is asking about (headers the route hands over as input). */
export const gatewayInput = z.object({
  required_scope: z.string().max(1000).optional(),
  original_uri: z.string().optional(),
  original_method: z.string().optional(),
});
// Not strict: nginx's subrequest may carry a query string of its own, and anything the
// gateway does not understand must not turn an answer into an error (nginx makes a 500 of it).

type Original = z.output<typeof gatewayInput>;

/**
 * The gateway route's bearer check (nginx auth_request): memory only on the way to an
 * answer. A refused token is audited without waiting for the write, so a flood of bad
 * tokens costs the gateway nothing extra; the batcher coalesces them.
 */
export async function authenticateAtGateway(base: RequestFacts & { db: Db }, request: IncomingRequest): Promise<VerbCtx> {
  try {
    const challenge = { resourceMetadata: resourceMetadataOf(request.headers.get("x-resource-metadata")) };
    const h = request.headers;
    // The request the proof must be for is the one nginx is asking about (the shipped config
    // sends X-Original-Method and X-Original-URL), not this subrequest.
    const pop = { request: { proof: h.get("dpop"), method: h.get("x-original-method") ?? "", url: h.get("x-original-url") ?? "" }, point: "gateway" as const };
    const { actor, aud, bound } = await gatewayBearer(base.db, h.get("authorization"), gatewayAudiences(), challenge, pop);
    return { ...base, actor, gateway: { aud, bound, headers: h } };
  } catch (error) {
    if (error instanceof UnauthorizedError) {
      const h = request.headers;
      const original = { required_scope: h.get("x-required-scope") ?? undefined, original_uri: h.get("x-original-uri") ?? undefined, original_method: h.get("x-original-method") ?? undefined };
      await recordDenial({ ...base, by: "gateway" }, original, error);
    }
    throw error;
  }
}

/**
 * The gateway's answer for an authenticated caller: the location's required scope
 * (X-Required-Scope, space or comma separated), then the identity headers nginx hands to
 * the service. Not a Vigil API scope check: the scopes here are the services' own.
 */
export async function gatewayIdentity(ctx: VerbCtx, raw: unknown): Promise<Record<string, string>> {
  const input = parseInput(gatewayInput, raw);
  const required = (input.required_scope ?? "").split(/[\s,]+/).filter(Boolean);
  const missing = required.find((s) => !hasScope(ctx.actor, s));
  if (missing) {
    countDecision("gateway", "deny", callerType(ctx.actor));
    const refused = new ForbiddenError(`This location requires the ${missing} scope.`, missing);
    await recordDenial({ ...ctx, by: "gateway" }, input, refused);
    throw refused;
  }
  countDecision("gateway", "allow", callerType(ctx.actor));
  // Runtime policy (issue 15): a `Call` decision when a set applies to the token's audience.
  if (ctx.gateway) {
    const method = input.original_method ?? "GET";
    const decided = await decideCall(ctx.actor, ctx.gateway.aud, { method, uri: input.original_uri ?? "/", headers: ctx.gateway.headers, dpopBound: ctx.gateway.bound }, ctx);
    if (decided?.refused) {
      // The reason is the deciding policies' ids (or no-permit), never their text.
      // A path no template matches is said apart: the usual cause of an unexpected no-permit.
      const unrouted = decided.unrouted ? "; route=none" : "";
      const refused = new ForbiddenError(`Refused by policy set ${decided.set} (reason: ${decided.reason}${decided.unrouted ? "; the path matches none of its route templates" : ""}).`);
      refused.headers["X-Vigil-Policy"] = `${decided.set}@${decided.version}; reason=${decided.reason}${unrouted}`;
      throw refused;
    }
  }
  const headers: Record<string, string> = { "X-User-Id": ctx.actor.id, "X-Scopes": [...ctx.actor.scopes].join(",") };
  if (ctx.actor.clientId) headers["X-Client-Id"] = ctx.actor.clientId;
  const delegation = ctx.actor.delegation;
  if (delegation) {
    // The person is X-User-Id; the agents acting for them, outermost first, and the grant
    // the outermost one acts under, so the service that decides sees every hop.
    headers["X-Actor-Chain"] = delegation.chain.join(",");
    if (delegation.grantIds[0]) headers["X-Delegation-Id"] = delegation.grantIds[0];
  }
  return headers;
}

/** Without waiting for the commit unless the batcher is behind (recordBatched): a flood of bad tokens costs the gateway nothing extra, nor unbounded memory. */
async function recordDenial(ctx: RequestFacts & { db: Db; by: string }, original: Original, error: UnauthorizedError | ForbiddenError): Promise<void> {
  // no-scope: records a refusal at the gateway; the refused caller holds nothing to check.
  await recordBatched(
    { requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent, db: ctx.db, by: "gateway" },
    {
      kind: "auth.failed",
      outcome: error instanceof ForbiddenError ? "denied" : "failure",
      metadata: {
        endpoint: "validate",
        reason: error.message,
        original_uri: original.original_uri?.slice(0, 2048) ?? null,
        original_method: original.original_method?.slice(0, 16) ?? null,
        required_scope: original.required_scope ?? null,
      },
    },
    "a gateway denial",
  );
}
