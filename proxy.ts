import { NextResponse, type NextRequest } from "next/server";
import { isPublicPath } from "@/lib/gate/public-paths";
import { requestIdOf } from "@/lib/http/request-facts";
import { readSession } from "@/lib/gate/session/session-actor";

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
  const response = NextResponse.next({ request: { headers: forwarded } });
  response.headers.set("X-Request-Id", requestId);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("X-Frame-Options", "DENY");
  // The consent page above all must never be framed (clickjacking); no console page needs to be.
  response.headers.set("Content-Security-Policy", "frame-ancestors 'none'");
  response.headers.set("Referrer-Policy", "same-origin");
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
