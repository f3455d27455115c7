import { listAudit } from "@/lib/audit/list";
import { json } from "../problem";
import type { Handler } from "../types";
import { queryObject } from "./input";

// GET /api/v1/audit – audit events, newest first (q, since, until, n, cursor; agentId, kind)
export const list: Handler = async (_req, ctx) => {
  const ctxv = ctx.verb();
  return json(await listAudit(ctxv.db, ctxv.actor, queryObject(ctx.url)));
};
