import { getConfig } from "@/lib/config";
import committed from "@/openapi.json";

let described: Record<string, unknown> | undefined;

/**
 * GET /api/openapi.json: the document `npm run build` generated from the route table (and
 * checked against the table, in CI and by lib/http/openapi.test.ts), with this instance's
 * public URL as its server. Served from the file, not regenerated here: production bundles
 * minify the verbs' names the operation ids are made from.
 */
export function apiDescription(): Record<string, unknown> {
  described ??= { ...(committed as unknown as Record<string, unknown>), servers: [{ url: getConfig().issuer }] };
  return described;
}
