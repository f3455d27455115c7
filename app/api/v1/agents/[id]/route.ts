// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/:id – one agent
export const GET = handle;
// PATCH /api/v1/agents/:id – update an agent
export const PATCH = handle;
