import { validateRequest } from "@/lib/gate/validate";
import type { Handler } from "../types";

// GET /api/auth/validate – nginx auth_request: 200 with identity headers, 401 or 403
export const validate: Handler = async (request, ctx) => {
  const h = request.headers;
  const identity = await validateRequest(ctx.db, {
    requestId: ctx.requestId,
    ip: ctx.ip,
    userAgent: h.get("user-agent"),
    authorization: h.get("authorization"),
    requiredScope: h.get("x-required-scope"),
    originalUri: h.get("x-original-uri"),
    originalMethod: h.get("x-original-method"),
  });
  // Bodyless: nginx reads only the status and headers of the subrequest.
  return new Response(null, { status: 200, headers: { ...identity, "Cache-Control": "no-store" } });
};
