import { AppError } from "@/lib/errors";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "unsupported_token_type"
  | "quota_exceeded"
  | "rate_limited"
  | "temporarily_unavailable"
  // RFC 9449 §12.2 (DPoP)
  | "invalid_dpop_proof"
  | "use_dpop_nonce";

/** RFC 6749 §5.2 error, rendered as `{error, error_description}` by lib/http. */
export class OAuthError extends AppError {
  override readonly title = "OAuth error";
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    override readonly status: number = 400,
    headers: Record<string, string> = {},
  ) {
    super(description);
    Object.assign(this.headers, headers);
  }
}
