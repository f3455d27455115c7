// Thin door: what this path does, and who may call it, is in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";
// Vercel: the cron's function may run this long (the runner stops claiming at 40 s).
export const maxDuration = 60;

export const GET = handle;
