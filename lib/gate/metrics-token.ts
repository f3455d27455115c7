import { getConfig } from "@/lib/config";
import { UnauthorizedError } from "@/lib/errors";
import { bearerIs } from "./static-bearer";

/**
 * Prometheus's scrape credentials: `Authorization: Bearer $METRICS_TOKEN` when one is set.
 * Without METRICS_TOKEN the exposition is open, as Prometheus targets usually are (keep the
 * port private, or set the token).
 */
export function checkMetricsToken(authorization: string | null): void {
  const expected = getConfig().METRICS_TOKEN;
  if (!expected) return;
  if (!bearerIs(authorization, expected)) {
    throw new UnauthorizedError("This endpoint needs the metrics bearer token.", 'Bearer realm="vigil-metrics"');
  }
}
