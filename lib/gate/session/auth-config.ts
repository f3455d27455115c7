import { randomUUID } from "node:crypto";
import type { NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getConfig } from "@/lib/config";
import { serverKeys } from "@/lib/keys/server-secrets";
import { mappedScopesFromClaims, personFactsFromClaims, roleFromClaims, type Role } from "@/lib/access/roles";
import { noRequest } from "@/lib/context";
import { secureCookies } from "./cookies";
import { signOutSession } from "./end";
import { SESSION_MAX_AGE_SECONDS } from "./lifetime";
import { csrfTokenFor } from "./csrf";

export const OIDC_PROVIDER_ID = "oidc";
export const DEV_PROVIDER_ID = "dev";

declare module "next-auth" {
  interface Session {
    user: { id: string; name?: string | null; email?: string | null; role: Role | null };
    /** For X-CSRF-Token on the console's cookie-authenticated writes. */
    csrfToken: string;
  }
}

/**
 * Auth.js for the console: the organisation's provider through generic OIDC (code flow
 * with PKCE, state and nonce), or — only outside production — a clearly marked
 * development sign-in. Built per request from the parsed configuration, never at import
 * (the build has no runtime environment).
 */
export function authConfig(): NextAuthConfig {
  const config = getConfig();
  const providers: NextAuthConfig["providers"] = [];
  if (config.OIDC_ISSUER && config.OIDC_CLIENT_ID) {
    providers.push({
      id: OIDC_PROVIDER_ID,
      name: "Single sign-on",
      type: "oidc",
      issuer: config.OIDC_ISSUER,
      clientId: config.OIDC_CLIENT_ID,
      clientSecret: config.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: config.OIDC_SCOPES } },
      checks: ["pkce", "state", "nonce"],
    });
  }
  if (config.devSignIn) {
    providers.push(
      Credentials({
        id: DEV_PROVIDER_ID,
        name: "Development sign-in",
        credentials: {},
        authorize: async () => ({ id: "dev-admin", name: "Development admin", email: "dev-admin@localhost" }),
      }),
    );
  }
  return {
    providers,
    secret: serverKeys().sessionSecrets,
    trustHost: true,
    useSecureCookies: secureCookies(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/signin", error: "/auth/error" },
    events: {
      // Auth.js's own sign-out route: end the session on the server too (the console's
      // sign-out button ends it first, in signOutEverywhere, and fails loudly if it cannot).
      async signOut(message) {
        if ("token" in message && message.token) await signOutSession(message.token, noRequest);
      },
    },
    callbacks: {
      // No mapped role, no session: the refusal page says why.
      signIn({ account, profile }) {
        if (account?.provider === OIDC_PROVIDER_ID && !roleFromClaims(profile ?? {})) return "/auth/refused";
        return true;
      },
      jwt({ token, account, profile }) {
        if (account) {
          token.role = account.provider === DEV_PROVIDER_ID ? "admin" : roleFromClaims(profile ?? {});
          if (account.provider === OIDC_PROVIDER_ID && config.OIDC_ISSUER) {
            // The person as their provider names them, and what their claims let them
            // delegate (DELEGATION_SCOPE_MAP): a console person grants only what they hold.
            token.issuer = typeof profile?.iss === "string" ? profile.iss : config.OIDC_ISSUER;
            // The provider's subject, not the random id Auth.js gives each sign-in: a grant
            // names (issuer, sub), and the person's own provider tokens must match it.
            if (typeof profile?.sub === "string" && profile.sub) token.sub = profile.sub;
            token.delegable = mappedScopesFromClaims(profile ?? {});
            // For runtime policy: who they are in their organisation, as of this sign-in.
            const facts = personFactsFromClaims(profile ?? {});
            if (facts.roles) token.roles = facts.roles;
            if (facts.groups) token.groups = facts.groups;
          }
          token.provider = account.provider;
          // Kept server-side only (the session callback does not copy it): needed for the
          // provider's end-session endpoint at sign-out.
          token.idToken = account.id_token;
          // Stable per session, unlike jti: the CSRF token is derived from it, and sign-out
          // puts it on the revocation list.
          token.sid = randomUUID();
          // Renewals move the cookie's expiry, never this: the session's absolute end.
          token.authTime = Math.floor(Date.now() / 1000);
        }
        return token;
      },
      session({ session, token }) {
        session.user.id = token.sub ?? "";
        session.user.role = (token.role as Role | null | undefined) ?? null;
        session.csrfToken = typeof token.sid === "string" ? csrfTokenFor(token.sid) : "";
        return session;
      },
    },
  };
}
