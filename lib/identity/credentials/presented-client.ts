import { decodeJwt } from "jose";
import type { WorkloadIssuer } from "@/lib/config/workload-issuers";
import { OAuthError } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { looksFederated, workloadIssuerOf } from "./workload";

export type PresentedClient =
  | { clientId: string; secret: string; method: "client_secret_basic" | "client_secret_post" | "none" }
  | { clientId: string; assertion: string; method: "private_key_jwt" }
  // Workload identity federation: another issuer's JWT naming the agent's bound subject; the
  // client_id is optional (the subject finds the agent) and, when sent, must be that agent's.
  | { clientId: string; assertion: string; method: "workload"; issuer: WorkloadIssuer; subject: string; postId: string | null };

/** RFC 7523 §2.2. */
export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// A compact JWS of a few claims signed with an RSA-4096 key is well under 2 KB.
const MAX_ASSERTION_LENGTH = 8192;

export class ClientAuthError extends OAuthError {
  constructor(
    readonly reason: string,
    readonly clientId: string | null,
    readonly agentId: string | null,
    // What the client can act on; never the assertion or a secret (it reaches the audit log too).
    description = "Client authentication failed.",
  ) {
    // RFC 6749 §5.2: 401 with a challenge; Basic is the scheme this endpoint speaks.
    super("invalid_client", description, 401, {
      "WWW-Authenticate": 'Basic realm="vigil", charset="UTF-8"',
    });
  }
}

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));

/**
 * client_secret_basic, client_secret_post (RFC 6749 §2.3.1) or private_key_jwt (RFC 7523
 * §2.2), exactly one: a request that uses two methods is invalid_request.
 */
export function presentedClient(authorization: string | null, form: OAuthForm): PresentedClient {
  const postId = oauthParam(form, "client_id");
  const postSecret = oauthParam(form, "client_secret");
  const assertionType = oauthParam(form, "client_assertion_type");
  const assertion = oauthParam(form, "client_assertion");
  const basic = authorization !== null && /^basic /i.test(authorization);
  if (assertionType !== null || assertion !== null) {
    if (basic || postSecret !== null) {
      throw new OAuthError("invalid_request", "Use one client authentication method: a client assertion or a secret, not both.");
    }
    return presentedAssertion(assertionType, assertion, postId);
  }
  if (authorization && basic) {
    if (postSecret !== null) {
      throw new OAuthError("invalid_request", "Use one client authentication method, not both Basic and client_secret.");
    }
    // RFC 7617 §2 / RFC 4648 §4: strict base64, nothing after it (Node's decoder would skip junk).
    const encoded = authorization.slice(6).trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new ClientAuthError("malformed_basic", null, null);
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) throw new ClientAuthError("malformed_basic", null, null);
    try {
      const clientId = formDecode(decoded.slice(0, colon));
      const secret = formDecode(decoded.slice(colon + 1));
      if (postId !== null && postId !== clientId) {
        throw new OAuthError("invalid_request", "client_id in the body differs from the Basic credentials.");
      }
      return { clientId, secret, method: "client_secret_basic" };
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw new ClientAuthError("malformed_basic", null, null);
    }
  }
  if (postId !== null && postSecret !== null) return { clientId: postId, secret: postSecret, method: "client_secret_post" };
  // RFC 6749 §2.3 / OAuth 2.1 public clients: client_id alone; only a public client's
  // credential (one without a secret) may authenticate this way.
  if (postId !== null) return { clientId: postId, secret: "", method: "none" };
  throw new ClientAuthError("missing_client_authentication", postId, null);
}

/**
 * The client an assertion names (RFC 7523 §3: iss and sub are its client_id), read before
 * its signature is checked only to find the keys to check it with.
 */
function presentedAssertion(type: string | null, assertion: string | null, postId: string | null): PresentedClient {
  if (type !== JWT_BEARER_ASSERTION) throw new OAuthError("invalid_request", `client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
  if (!assertion) throw new OAuthError("invalid_request", "client_assertion is required with client_assertion_type.");
  const refuse = (reason: string, description: string, clientId: string | null = postId) => new ClientAuthError(reason, clientId?.slice(0, 200) ?? null, null, description);
  if (assertion.length > MAX_ASSERTION_LENGTH) throw refuse("assertion_too_large", `The client assertion is longer than ${MAX_ASSERTION_LENGTH} characters.`);
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(assertion);
  } catch {
    throw refuse("malformed_assertion", "The client assertion is not a signed JWT.");
  }
  const workload = workloadIssuerOf(claims);
  if (workload) {
    const subject = typeof claims.sub === "string" ? claims.sub : "";
    return { clientId: postId ?? subject.slice(0, 200), assertion, method: "workload", issuer: workload, subject, postId };
  }
  if (looksFederated(claims)) {
    throw refuse("untrusted_issuer", "The client assertion comes from an issuer Vigil does not trust (not among WORKLOAD_ISSUERS).");
  }
  const { iss, sub } = claims;
  if (typeof iss !== "string" || iss === "") throw refuse("assertion_iss_missing", "The client assertion's iss must be the client_id.");
  if (sub !== iss) throw refuse("assertion_sub_mismatch", "The client assertion's sub must equal its iss, the client_id.", iss);
  if (postId !== null && postId !== iss) throw refuse("assertion_client_id_mismatch", "client_id in the body differs from the client assertion's iss.", iss);
  return { clientId: iss, assertion, method: "private_key_jwt" };
}
