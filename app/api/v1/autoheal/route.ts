// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// PATCH /api/v1/autoheal – switch autoheal or its dry run
export const PATCH = handle;
