/**
 * Paths the seed runbooks call that are also console pages (`/`, `/audit`, `/events`). A
 * browser navigating to a page always sends `Accept: text/html`; curl, scripts, PowerShell's
 * Invoke-RestMethod and fetch send `*\/*` or nothing. So: a bearer token, or an Accept without
 * HTML, is a call to the API; anything else is the page. Documented in the README.
 */
export type RequestHeads = {
  accept: string | null;
  authorization: string | null;
  /** Next's client router fetches pages with `RSC: 1` and `Accept: *\/*`: those are the page's. */
  rsc: string | null;
};

const HTML = /\b(?:text\/html|application\/xhtml\+xml)\b/i;

export function wantsApi({ accept, authorization, rsc }: RequestHeads): boolean {
  if (rsc !== null) return false;
  if (authorization !== null && /^bearer\s/i.test(authorization)) return true;
  return accept === null || !HTML.test(accept);
}

/** The live stream's page shares `/events`: EventSource asks for `text/event-stream`. */
export function wantsEventStream(heads: RequestHeads): boolean {
  return (heads.rsc === null && /\btext\/event-stream\b/i.test(heads.accept ?? "")) || wantsApi(heads);
}
