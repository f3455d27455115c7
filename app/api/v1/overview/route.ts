// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/overview – console overview (24 h counts and hourly series)
export const GET = handle;
