import { getConfig } from "@/lib/config";
import { OAuthError } from "../oauth-error";
import { oauthParams, type OAuthForm } from "../oauth-params";

/** The audiences an agent's tokens may name: its registered resources, or Vigil's own API alone. */
export function registeredResources(agentResources: readonly string[] | null): string[] {
  return agentResources ? [...agentResources] : [getConfig().apiAudience];
}

/** RFC 8707 `resource` (absolute URI, no fragment; may repeat) and the common `audience`, checked for form. */
export function requestedAudiences(form: OAuthForm): string[] {
  const resources = oauthParams(form, "resource");
  const audiences = oauthParams(form, "audience");
  for (const resource of resources) {
    let ok = false;
    try {
      const u = new URL(resource);
      ok = resource.length <= 512 && !u.hash && !resource.includes("#");
    } catch {
      ok = false;
    }
    if (!ok) throw new OAuthError("invalid_target", "resource must be an absolute URI without a fragment (RFC 8707).");
  }
  for (const a of audiences) {
    if (a.length === 0 || a.length > 512 || /\s/.test(a)) {
      throw new OAuthError("invalid_target", "audience must be a non-empty string without spaces, at most 512 characters.");
    }
  }
  const values = [...new Set([...resources, ...audiences])];
  if (values.length > 10) throw new OAuthError("invalid_target", "At most 10 audiences per token.");
  return values;
}

/**
 * The token's `aud`: what the request names, every one of them within `allowed` (the
 * agent's registered resources, narrowed by a delegation grant) — an agent cannot mint a
 * token for a service it was not registered for. Without a request: Vigil's API when
 * allowed, else the one allowed resource; with several to choose from, the client must say.
 */
export function resolveAudience(form: OAuthForm, allowed: readonly string[]): string | string[] {
  const requested = requestedAudiences(form);
  const refused = requested.filter((a) => !allowed.includes(a));
  if (refused.length > 0) {
    throw new OAuthError("invalid_target", `This client may not request tokens for ${refused.join(", ")}; its registered resources: ${allowed.join(", ") || "none"}.`);
  }
  if (requested.length === 1) return requested[0] as string;
  if (requested.length > 1) return requested;
  const api = getConfig().apiAudience;
  if (allowed.includes(api)) return api;
  if (allowed.length === 1) return allowed[0] as string;
  throw new OAuthError("invalid_target", `Name the resource (RFC 8707) this token is for: one of ${allowed.join(", ") || "none"}.`);
}
