// Auth.js: sign-in, callback, sign-out and session endpoints for the console.
import { handlers } from "@/lib/gate/session/auth";

export const dynamic = "force-dynamic";

// GET /api/auth/* – Auth.js flows (callback, session, csrf, providers)
export const GET = handlers.GET;
// POST /api/auth/* – Auth.js flows (sign-in, sign-out)
export const POST = handlers.POST;
