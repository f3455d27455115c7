// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/audit/verify – recompute checkpoints, name the first mismatch
export const GET = handle;
