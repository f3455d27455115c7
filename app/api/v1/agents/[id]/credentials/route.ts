// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/v1/agents/:id/credentials – list credentials
export const GET = handle;
// POST /api/v1/agents/:id/credentials – generate a credential
export const POST = handle;
