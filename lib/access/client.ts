import type { Actor } from "./actor";

/**
 * How a client proved who it is (RFC 7591 §2 names). "none": a public client's client_id
 * alone; "workload_jwt": a JWT from a trusted workload issuer (SPIFFE, OIDC) naming the
 * agent's bound subject, sent as a jwt-bearer client assertion.
 */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "workload_jwt" | "none";

/**
 * An OAuth client the route wrapper has authenticated (a secret, a signed assertion, or a
 * public client's client_id alone): the
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
  authMethod: ClientAuthMethod;
  /** RFC 9449: required = every token request must carry a DPoP proof. */
  dpop: "optional" | "required";
};

/**
 * True when the client proved nothing but its client_id (a public client, "none"). A public
 * agent that signs a client assertion with a registered key has proved possession of it.
 */
export const provedNothing = (client: AuthenticatedClient): boolean => client.authMethod === "none";

/** An authenticated client acts as its agent, holding the agent's allowed scopes. */
export function clientActor(client: AuthenticatedClient): Actor {
  return { kind: "agent", id: client.agentId, clientId: client.clientId, scopes: new Set(client.allowedScopes), label: `agent:${client.agentId}` };
}
