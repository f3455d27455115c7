"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { getConfig } from "@/lib/config";
import { DEV_PROVIDER_ID, OIDC_PROVIDER_ID } from "./auth-config";
import { signIn, signOut } from "./auth";
import { signOutSession } from "./end";
import { providerLogoutUrl } from "./end-session";
import { readSession } from "./session-actor";

/** Only paths on this site: an open redirect after sign-in would hand the session to anyone. */
function safeReturnPath(target: FormDataEntryValue | null): string {
  const value = typeof target === "string" ? target : "/";
  return value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/";
}

export async function signInWithProvider(form: FormData) {
  await signIn(OIDC_PROVIDER_ID, { redirectTo: safeReturnPath(form.get("callbackUrl")) });
}

export async function signInForDevelopment(form: FormData) {
  if (!getConfig().devSignIn) redirect("/signin");
  await signIn(DEV_PROVIDER_ID, { redirectTo: safeReturnPath(form.get("callbackUrl")) });
}

/**
 * Ends Vigil's session on the server (every instance refuses its cookie from then on), then
 * the browser's, then the provider's (RP-initiated logout) where it offers one. Should the
 * server-side end fail, so does the sign-out: a cookie that still works must not look gone.
 */
export async function signOutEverywhere() {
  const jar = await cookies();
  const h = await headers();
  const session = await readSession(new Request("http://vigil.internal/", { headers: { cookie: jar.toString() } }));
  if (session) await signOutSession(session, { requestId: h.get("x-request-id"), ip: null, userAgent: h.get("user-agent") });
  await signOut({ redirect: false });
  redirect((await providerLogoutUrl(session?.idToken)) ?? "/signed-out");
}
