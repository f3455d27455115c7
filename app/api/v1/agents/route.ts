// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/agents – list agents
export const GET = handle;
// POST /api/v1/agents – register an agent
export const POST = handle;
