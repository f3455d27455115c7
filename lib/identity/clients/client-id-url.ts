import { isIpLiteral } from "./address-policy";
import { ClientMetadataError } from "./metadata-error";

const MAX_CLIENT_ID_LENGTH = 2048;

const invalid = (message: string) => new ClientMetadataError("invalid_client_id", message);

/**
 * The client_id as a URL Vigil may fetch, or ClientMetadataError("invalid_client_id").
 * draft-ietf-oauth-client-id-metadata-document: https, a path, no dot segments, no
 * fragment, no username or password (a query is allowed). The rules are checked on the
 * text as sent, because the URL parser would quietly remove dot segments and the like; and
 * the text must already be in the parser's canonical form, so one client has one cache key
 * and the document's client_id is compared against exactly what the client sent.
 */
export function parseClientIdUrl(clientId: string): URL {
  if (clientId.length > MAX_CLIENT_ID_LENGTH) throw invalid(`The client_id is longer than ${MAX_CLIENT_ID_LENGTH} characters.`);
  if (!URL.canParse(clientId)) throw invalid("The client_id is not an absolute URL.");
  const url = new URL(clientId);
  if (url.protocol !== "https:") throw invalid("The client_id must be an https URL.");
  if (!clientId.startsWith("https://")) throw invalid(`The client_id is not in canonical form; use ${url.href}`);
  const afterScheme = clientId.slice(clientId.indexOf("://") + 3);
  const authority = afterScheme.split(/[/?#]/, 1)[0] ?? "";
  const rest = afterScheme.slice(authority.length);
  if (clientId.includes("#")) throw invalid("The client_id must not contain a fragment (#...).");
  if (authority.includes("@") || url.username !== "" || url.password !== "") {
    throw invalid("The client_id must not contain a username or password.");
  }
  if (!rest.startsWith("/")) throw invalid("The client_id must contain a path, such as https://app.example.com/client.json.");
  const path = rest.split("?", 1)[0] ?? "";
  const dotSegment = path.split(/[/\\]/).some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
  if (dotSegment) throw invalid('The client_id must not contain "." or ".." path segments.');
  if (url.href !== clientId) throw invalid(`The client_id is not in canonical form; use ${url.href}`);
  return url;
}

/**
 * Whether CLIENT_METADATA_HOSTS lets Vigil fetch from `hostname` (a WHATWG URL hostname).
 * Exact entries match themselves; "*.example.com" matches its subdomains, not example.com,
 * and never an IP literal.
 */
export function isHostAllowed(hostname: string, hosts: readonly string[]): boolean {
  return hosts.some((entry) =>
    entry.startsWith("*.") ? !isIpLiteral(hostname) && hostname.endsWith(entry.slice(1)) : entry === hostname,
  );
}
