// Thin door: what this path does, and who may call it, is in lib/http/routes.ts (shared with the fast lane).
import { handle } from "@/lib/http/next";

export const dynamic = "force-dynamic";

export const GET = handle;
