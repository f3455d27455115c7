// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/autoheal – status for readers; PATCH – switch autoheal or its dry run
export const GET = handle;
export const PATCH = handle;
