import type { Actor } from "./actor";

/**
 * An OAuth client the route wrapper has authenticated (client_secret_basic or _post): the
 * credential and the agent it belongs to. Token, introspection and revocation verbs receive
 * it in `ctx.client`; they never authenticate a client themselves.
 */
export type AuthenticatedClient = {
  credentialId: string;
  clientId: string;
  agentId: string;
  allowedScopes: string[];
  /** Audiences its tokens may name; null = only Vigil's own API audience. */
  allowedResources: string[] | null;
  /** public: no secret (authorization code with PKCE and refresh rotation only). */
  clientType: "confidential" | "public";
  monthlyTokenQuota: number | null;
};

/** An authenticated client acts as its agent, holding the agent's allowed scopes. */
export function clientActor(client: AuthenticatedClient): Actor {
  return { kind: "agent", id: client.agentId, clientId: client.clientId, scopes: new Set(client.allowedScopes), label: `agent:${client.agentId}` };
}
