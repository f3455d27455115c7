// Thin door: the handler lives in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

// GET /api/ack – acknowledge by link; POST – the same as a form
export const GET = handle;
export const POST = handle;
