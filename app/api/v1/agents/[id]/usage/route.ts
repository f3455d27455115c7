// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/:id/usage – tokens per day and quota use
export const GET = handle;
