// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/auth/validate – nginx auth_request validator
export const GET = handle;
