import { randomBytes } from "node:crypto";

/** The request header a page reads its script nonce from (set by proxy.ts, never by the client). */
export const NONCE_HEADER = "x-nonce";

/** A fresh nonce for one page response: 128 bits, as CSP3 recommends. */
export function scriptNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The console's Content-Security-Policy. Scripts run only with this response's nonce (Next
 * puts it on its own script tags when it finds it in the request's policy; the layout on
 * its theme script), and what a nonced script loads ('strict-dynamic'): an injected
 * `<script>` or inline handler does not run. Styles allow inline attributes (charts set them).
 * No `form-action`: the consent page's answer redirects to the agent's own redirect URI,
 * whatever its origin, and browsers check form-action on that redirect. Development only
 * (`next dev`) adds 'unsafe-eval', which React's debugging needs.
 */
export function contentSecurityPolicy(nonce: string, development = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    // The consent page shows an agent's registered logo (logo_uri, https only), wherever it is hosted.
    "img-src 'self' data: blob: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Headers every console page carries. HSTS only when Vigil is served over https (a browser
 * ignores it over http, and sending it there would say nothing true); two years with
 * subdomains, as the HSTS preload list requires. No powerful feature is needed by any
 * page; the opener policy keeps other sites' windows out of the console's.
 */
export function pageSecurityHeaders(https: boolean): Record<string, string> {
  return {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), browsing-topics=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(https ? { "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY } : {}),
  };
}

export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";
