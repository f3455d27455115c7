import { checkpointKeys, listCheckpoints, sealNow } from "@/lib/audit/checkpoints/list";
import { verifyAudit } from "@/lib/audit/checkpoints/verify";
import { exportAudit } from "@/lib/audit/export";
import { listAudit } from "@/lib/audit/list";
import { createHold, listHolds, releaseHold } from "@/lib/audit/retention/holds";
import { readJson } from "../body";
import { json } from "../problem";
import type { Handler } from "../types";
import { bodyLimit } from "../wrap";
import { emptyBody, queryObject } from "./input";

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

// GET /api/v1/audit/checkpoints – signed checkpoints, newest first (n, cursor)
export const checkpoints: Handler = async (_req, ctx) => json(await listCheckpoints(ctx.verb(), queryObject(ctx.url)));

// POST /api/v1/audit/checkpoints – seal what is committed now
export const seal: Handler = async (req, ctx) => {
  await emptyBody(req);
  return json(await sealNow(ctx.verb()), 201);
};

// GET /api/v1/audit/verify – recompute checkpoints (since, until) and name the first mismatch
export const verify: Handler = async (_req, ctx) => {
  const v = ctx.verb();
  return json(await verifyAudit(v.db, v.actor, queryObject(ctx.url)));
};

// GET /api/v1/audit/jwks – every public key checkpoints may be signed with
export const jwks: Handler = async () => json(checkpointKeys(), 200, { "Cache-Control": "public, max-age=60" });

// GET /api/v1/audit/holds – legal holds
export const holds: Handler = async (_req, ctx) => json(await listHolds(ctx.verb()));

// POST /api/v1/audit/holds – hold events matching a query and/or time range from retention
export const hold: Handler = async (req, ctx) => json(await createHold(ctx.verb(), await readJson(req, bodyLimit())), 201);

// POST /api/v1/audit/holds/:id/release – let retention remove them again
export const release: Handler = async (req, ctx) => {
  await emptyBody(req);
  return json(await releaseHold(ctx.verb(), ctx.params.id ?? ""));
};
