/**
 * The form in which a DPoP `htu` and the request's URL are compared (RFC 9449 §4.3 step 9,
 * RFC 3986 §6.2.2 and §6.2.3): scheme and host lower case, the scheme's default port dropped,
 * an empty path as "/", dot segments resolved, query and fragment ignored. Null for anything
 * but an absolute http(s) URL without credentials.
 */
export function normaliseHtu(value: string | URL): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username !== "" || url.password !== "") return null;
  // WHATWG's `host` is already lower case, punycode, and without the scheme's default port.
  return `${url.protocol}//${url.host}${url.pathname}`;
}
