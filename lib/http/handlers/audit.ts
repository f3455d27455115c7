import { exportAudit } from "@/lib/audit/export";
import { listAudit } from "@/lib/audit/list";
import { json } from "../problem";
import type { Handler } from "../types";
import { queryObject } from "./input";

const EXPORT_TYPES = { ndjson: "application/x-ndjson", csv: "text/csv; charset=utf-8" } as const;

// GET /api/v1/audit – audit events, newest first (q, since, until, n, cursor; format=ndjson|csv streams the range)
export const list: Handler = async (_req, ctx) => {
  const v = ctx.verb();
  const query = queryObject(ctx.url);
  const format = query.format;
  if (format === "ndjson" || format === "csv") {
    const body = exportAudit(v.db, v.actor, query, format);
    return new Response(body, {
      headers: {
        "Content-Type": EXPORT_TYPES[format],
        "Content-Disposition": `attachment; filename="vigil-audit.${format}"`,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  }
  return json(await listAudit(v.db, v.actor, query));
};
