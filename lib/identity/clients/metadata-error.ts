import { AppError } from "@/lib/errors";

/**
 * Why a client ID metadata document was refused. The authorize endpoint shows the message
 * on its error page (never redirecting: the client_id itself is in doubt, RFC 6749 §4.1.2.1),
 * and may branch on the reason.
 */
export type ClientMetadataReason =
  /** CLIENT_METADATA_DOCUMENTS is off. */
  | "disabled"
  /** Not an absolute canonical https URL with a path, or has a fragment, userinfo, dot segments. */
  | "invalid_client_id"
  /** The URL's host is not on CLIENT_METADATA_HOSTS. */
  | "host_not_allowed"
  /** The name did not resolve. */
  | "unresolvable_host"
  /** The host is, or resolves to, a private/loopback/link-local/... address not itself listed. */
  | "private_address"
  /** Connection, TLS or stream failure. */
  | "fetch_failed"
  /** Resolving, connecting and reading took longer than CLIENT_METADATA_TIMEOUT_MS. */
  | "timeout"
  /** The server answered 3xx; redirects are never followed. */
  | "redirect"
  /** The server answered with a status other than 200 (and not 3xx). */
  | "bad_status"
  /** Not application/json or application/*+json, or a compressed body. */
  | "bad_content_type"
  /** The body (or its Content-Length) exceeds CLIENT_METADATA_MAX_BYTES. */
  | "too_large"
  /** Not UTF-8 JSON. */
  | "invalid_json"
  /** Valid JSON, but not an acceptable client metadata document (the message names the field). */
  | "invalid_document"
  /** The document's client_id is not exactly the URL it was fetched from. */
  | "client_id_mismatch";

export class ClientMetadataError extends AppError {
  override readonly status = 400;
  override readonly title = "Invalid client";
  constructor(
    readonly reason: ClientMetadataReason,
    message: string,
  ) {
    super(message);
    this.name = "ClientMetadataError";
  }
}
