import { OAuthError } from "../oauth-error";

/**
 * A refused DPoP proof (RFC 9449 §4.3, §12.2). The description says what was wrong and never
 * quotes the proof or its values: it reaches logs, audit events and the client. The token
 * endpoint answers 400 with it; a resource server renders its own 401 challenge from `error`.
 * `use_dpop_nonce` goes out with a fresh `DPoP-Nonce` header, which the caller adds.
 */
export class DpopProofError extends OAuthError {
  constructor(
    code: "invalid_dpop_proof" | "use_dpop_nonce",
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(code, description, 400, headers);
    this.name = "DpopProofError";
  }
}

export const invalidProof = (description: string) => new DpopProofError("invalid_dpop_proof", description);

/** A well-formed proof whose jti was already spent (RFC 9449 §11.1): counted as a replay. */
export class DpopProofReplayed extends DpopProofError {
  constructor() {
    super("invalid_dpop_proof", "This DPoP proof has been used before; make a new one for each request.");
    this.name = "DpopProofReplayed";
  }
}
