import { agentUsage } from "@/lib/console/agent-usage";
import { consoleOverview } from "@/lib/console/overview";
import { json } from "../problem";
import type { Handler } from "../types";

// GET /api/v1/overview – the console overview's counts and hourly series (last 24 h)
export const overview: Handler = async (_req, ctx) => json(await consoleOverview(ctx.verb()));

// GET /api/v1/agents/:id/usage – tokens per day (14 days), this month's count against the quota
export const usage: Handler = async (_req, ctx) => json(await agentUsage(ctx.verb(), ctx.params.id ?? ""));
