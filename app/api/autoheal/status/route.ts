// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/autoheal/status – autoheal switches, heartbeat, cooldowns
export const GET = handle;
