// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// POST /api/v1/agents/:id/reactivate – reactivate an agent
export const POST = handle;
