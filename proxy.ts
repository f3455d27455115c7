import { NextResponse, type NextRequest } from "next/server";

/**
 * Next 16's request proxy (formerly middleware). For now it stamps every console response
 * with a request id and safe headers; the gate issue adds the OIDC sign-in redirect and the
 * explicit list of public paths here. API routes are not matched: the route table
 * authenticates them.
 */
export function proxy(request: NextRequest) {
  const given = request.headers.get("x-request-id");
  const requestId = given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
  const response = NextResponse.next();
  response.headers.set("X-Request-Id", requestId);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("X-Frame-Options", "DENY");
  response.headers.set("Referrer-Policy", "same-origin");
  return response;
}

export const config = {
  matcher: ["/((?!api/|\\.well-known/|metrics|_next/static|_next/image|favicon.ico).*)"],
};
