import { commitBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { MachineCtx } from "@/lib/context";
import { redirectTo, UntrustedAuthorizationError, validateAuthorizationRequest } from "./request";

/**
 * GET /api/v1/authorize (RFC 6749 §4.1.1, OAuth 2.1): checks the request, then sends the
 * person's browser to the consent page (which sends them through sign-in first when they
 * have no session). A request that cannot be trusted to its redirect goes to Vigil's own
 * error page, never to the client; every other refusal goes to the client's redirect.
 */
export async function startAuthorization(ctx: MachineCtx, raw: unknown): Promise<{ redirect: string }> {
  // no-scope: anyone may start an authorization; the person consents on the next page.
  const params = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const issuer = getConfig().issuer;
  const clientId = typeof params.client_id === "string" ? params.client_id.slice(0, 200) : null;
  const audit = (outcome: "success" | "denied", metadata: Record<string, unknown>, agentId: string | null = null) =>
    // no-scope: records the request itself; nobody is signed in yet.
    commitBatched({ ...ctx, by: clientId ? `client:${clientId}` : "anonymous" }, { kind: "authorization.requested", outcome, agentId, clientId, metadata });
  let validated;
  try {
    validated = await validateAuthorizationRequest(ctx.db, params);
  } catch (error) {
    if (!(error instanceof UntrustedAuthorizationError)) throw error;
    await audit("denied", { reason: error.reason });
    return { redirect: `${issuer}/authorize/error?reason=${error.reason}` };
  }
  if ("error" in validated) {
    await audit("denied", { reason: validated.error.error, description: validated.error.description });
    return { redirect: redirectTo(validated.redirectUri, { error: validated.error.error, error_description: validated.error.description, state: validated.state }) };
  }
  const { request } = validated;
  await audit("success", { scopes: request.scopes, resources: request.resources, redirect_uri: request.redirectUri }, request.agent.id);
  const consent = new URL("/authorize/consent", issuer);
  for (const [name, value] of Object.entries(params)) {
    for (const v of [value].flat()) if (typeof v === "string") consent.searchParams.append(name, v);
  }
  return { redirect: consent.toString() };
}
