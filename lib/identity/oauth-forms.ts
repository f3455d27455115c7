import { z } from "zod";
import { GRANT_TYPES } from "./tokens/issue";

/**
 * The OAuth endpoints' parameters, as the API description (OpenAPI) shows them. These forms
 * are parsed by hand (oauth-params.ts and each grant), not by these schemas: the RFCs fix the
 * error codes (invalid_request, unsupported_grant_type, ...) and the order in which they are
 * checked, which a generic schema error could not honour. Keep both in step; the OpenAPI test
 * fails if a route has no description of its input.
 */
const clientAuth = {
  client_id: z.string().optional().describe("client_secret_post, a public client, or with client_assertion"),
  client_secret: z.string().optional().describe("client_secret_post (client_secret_basic sends it in Authorization instead)"),
  client_assertion_type: z.literal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer").optional().describe("private_key_jwt (RFC 7523) or a workload's JWT-SVID"),
  client_assertion: z.string().optional().describe("the signed client assertion"),
};

export const tokenRequestForm = z
  .object({
    grant_type: z.enum(GRANT_TYPES),
    scope: z.string().optional().describe("space-separated; defaults to the agent's allowed scopes"),
    resource: z.string().optional().describe("RFC 8707: the API the token is for (one of the agent's registered resources)"),
    audience: z.string().optional().describe("RFC 8693: the API the exchanged token is for"),
    code: z.string().optional().describe("authorization_code"),
    redirect_uri: z.string().optional().describe("authorization_code: the one the authorization request used"),
    code_verifier: z.string().optional().describe("authorization_code: the PKCE verifier (S256)"),
    refresh_token: z.string().optional().describe("refresh_token"),
    subject_token: z.string().optional().describe("token exchange (RFC 8693): the person's token"),
    subject_token_type: z.string().optional().describe("token exchange: urn:ietf:params:oauth:token-type:access_token or :jwt"),
    actor_token: z.string().optional().describe("token exchange: the acting agent's own token (for a further hop)"),
    actor_token_type: z.string().optional(),
    requested_token_type: z.string().optional(),
    ...clientAuth,
  })
  .describe("application/x-www-form-urlencoded; a DPoP header binds the token to a key (RFC 9449)");

export const introspectionForm = z.object({ token: z.string(), token_type_hint: z.string().optional(), ...clientAuth });

export const revocationForm = z.object({ token: z.string(), token_type_hint: z.enum(["access_token", "refresh_token"]).optional(), ...clientAuth });

/** The authorization request (RFC 6749 §4.1.1 with PKCE S256 and RFC 8707 resources). */
export const authorizationRequestParams = z.object({
  response_type: z.literal("code"),
  client_id: z.string().describe("the agent's client id, or an https client ID metadata document URL (MCP)"),
  redirect_uri: z.string().describe("exactly one the agent registered"),
  scope: z.string().optional(),
  state: z.string().max(512),
  code_challenge: z.string().length(43).describe("base64url SHA-256 of the verifier"),
  code_challenge_method: z.literal("S256"),
  resource: z.union([z.string(), z.array(z.string())]).optional(),
});
