import { getConfig } from "@/lib/config";

let cached: { at: number; endpoint: string | null } | null = null;

/** The provider's RP-initiated logout URL for this session, or null when it has none. */
export async function providerLogoutUrl(idToken: string | undefined): Promise<string | null> {
  const config = getConfig();
  if (!config.OIDC_ISSUER) return null;
  if (!cached || Date.now() - cached.at > 10 * 60_000) {
    try {
      const res = await fetch(`${config.OIDC_ISSUER.replace(/\/+$/, "")}/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(5000),
      });
      const meta = (await res.json()) as { end_session_endpoint?: unknown };
      cached = { at: Date.now(), endpoint: typeof meta.end_session_endpoint === "string" ? meta.end_session_endpoint : null };
    } catch {
      return null;
    }
  }
  if (!cached.endpoint) return null;
  const url = new URL(cached.endpoint);
  if (idToken) url.searchParams.set("id_token_hint", idToken);
  if (config.OIDC_CLIENT_ID) url.searchParams.set("client_id", config.OIDC_CLIENT_ID);
  url.searchParams.set("post_logout_redirect_uri", `${config.issuer}/signed-out`);
  return url.toString();
}
