import { AppError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from "@/lib/errors";
import { OAuthError } from "@/lib/identity/oauth-error";
import { introspectToken } from "@/lib/identity/tokens/introspect";
import { issueToken } from "@/lib/identity/tokens/issue";
import { revokeToken } from "@/lib/identity/tokens/revoke";
import { readForm } from "../body";
import { json } from "../problem";
import type { Handler, HandlerCtx } from "../types";
import { bodyLimit } from "../wrap";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** Form body for OAuth endpoints; body problems are RFC 6749 invalid_request, not problem+json. */
async function oauthForm(request: Request): Promise<URLSearchParams> {
  try {
    return await readForm(request, bodyLimit());
  } catch (error) {
    if (error instanceof UnsupportedMediaTypeError || error instanceof PayloadTooLargeError || error instanceof ValidationError) {
      throw new OAuthError("invalid_request", error.message, (error as AppError).status);
    }
    throw error;
  }
}

const facts = (ctx: HandlerCtx) => ({ requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent });

// POST /api/v1/token – issue an access token (client_credentials)
export const token: Handler = async (request, ctx) => {
  const form = await oauthForm(request);
  const body = await issueToken(ctx.db, facts(ctx), request.headers.get("authorization"), form);
  return json(body, 200, NO_STORE);
};

// POST /api/v1/introspect – RFC 7662 token introspection
export const introspect: Handler = async (request, ctx) => {
  const form = await oauthForm(request);
  return json(await introspectToken(ctx.db, facts(ctx), request.headers.get("authorization"), form), 200, NO_STORE);
};

// POST /api/v1/revoke – RFC 7009 token revocation
export const revoke: Handler = async (request, ctx) => {
  const form = await oauthForm(request);
  await revokeToken(ctx.db, facts(ctx), request.headers.get("authorization"), form);
  return new Response(null, { status: 200, headers: NO_STORE });
};
