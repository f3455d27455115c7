// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/:id/suspend – suspend an agent
export const POST = handle;
