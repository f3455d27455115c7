import { NextResponse, type NextRequest } from "next/server";
import { isPublicPath } from "@/lib/gate/public-paths";
import { requestIdOf } from "@/lib/http/request-facts";
import { getConfig } from "@/lib/config";
import { secureCookies } from "@/lib/gate/session/cookies";
import { readSession } from "@/lib/gate/session/session-actor";
import { contentSecurityPolicy, NONCE_HEADER, pageSecurityHeaders, scriptNonce } from "@/lib/http/page-headers";

/**
 * Next 16's request proxy (formerly middleware): the console's OIDC gate. Public paths are
 * listed with their reasons in lib/gate/public-paths.ts; /api/* authenticates in the route
 * table; every other path needs a session with a role, or goes to sign-in.
 */
export async function proxy(request: NextRequest) {
  const requestId = requestIdOf(request);
  const { pathname, search } = request.nextUrl;

  if (!isPublicPath(pathname) && !pathname.startsWith("/api/")) {
    const session = await readSession(request);
    if (!session?.sub) {
      const signIn = new URL("/signin", request.url);
      signIn.searchParams.set("callbackUrl", `${pathname}${search}`);
      return NextResponse.redirect(signIn);
    }
    if (!session.role) return NextResponse.redirect(new URL("/auth/refused", request.url));
  }

  // Computed once here and handed on as a request header: pages and the API routes Next
  // serves read this id (the route wrapper keeps a sane one), so logs and events agree.
  const forwarded = new Headers(request.headers);
  forwarded.set("x-request-id", requestId);
  // A nonce per response: Next finds it in the request's policy and puts it on its scripts,
  // the layout reads it for its own. Whatever the client sent under these names is replaced.
  const nonce = scriptNonce();
  const policy = contentSecurityPolicy(nonce, getConfig().development);
  forwarded.set(NONCE_HEADER, nonce);
  forwarded.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set("X-Request-Id", requestId);
  // The consent page above all must never be framed (clickjacking); no console page needs to be.
  response.headers.set("Content-Security-Policy", policy);
  for (const [name, value] of Object.entries(pageSecurityHeaders(secureCookies()))) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
