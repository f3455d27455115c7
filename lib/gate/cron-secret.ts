import { getConfig } from "@/lib/config";
import { NotFoundError, UnauthorizedError } from "@/lib/errors";
import { bearerIs } from "./static-bearer";

/**
 * Vercel Cron's credentials: `Authorization: Bearer $CRON_SECRET`, the header Vercel sends
 * to every cron path when the project has CRON_SECRET. Without CRON_SECRET the cron routes
 * do not exist: a long-lived process runs this work itself, and an open door that starts
 * remediations or retention would be anyone's.
 */
export function checkCronSecret(authorization: string | null): void {
  const expected = getConfig().CRON_SECRET;
  if (!expected) throw new NotFoundError("The cron routes are off: set CRON_SECRET to turn them on (serverless deployments).");
  if (!bearerIs(authorization, expected)) {
    throw new UnauthorizedError("This endpoint needs the cron bearer secret (Authorization: Bearer $CRON_SECRET).", 'Bearer realm="vigil-cron"');
  }
}
