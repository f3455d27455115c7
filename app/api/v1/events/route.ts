// Thin door: what this path does, and who may call it, is in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";
// Vercel: a live stream may last this long; in serverless mode it ends itself after
// SSE_MAX_STREAM_SECONDS (250 s) so clients resume with Last-Event-ID before the cut.
export const maxDuration = 300;

export const GET = handle;
