import { getConfig } from "@/lib/config";

/** Auth.js's session cookie name: the __Secure- prefix whenever Vigil is served over https. */
export function sessionCookieName(): string {
  return secureCookies() ? "__Secure-authjs.session-token" : "authjs.session-token";
}

export function secureCookies(): boolean {
  return getConfig().issuer.startsWith("https://");
}
