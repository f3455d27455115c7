import { getConfig } from "@/lib/config";
import { safeEqual } from "@/lib/keys/safe-equal";
import { UnauthorizedError } from "@/lib/errors";
import { getMetrics } from "@/lib/observability/metrics";

const CHALLENGE = 'Bearer realm="vigil-alert", Basic realm="vigil-alert"';

/**
 * Alertmanager's webhook credentials (`http_config.authorization` or `basic_auth` on the
 * receiver): either configured secret is accepted, compared in constant time. With neither
 * configured the intake refuses everything and says so, rather than accepting anonymous
 * remediation requests.
 */
export function authenticateAlertmanager(authorization: string | null): void {
  const { bearer, basic } = getConfig().autoheal.alertAuth;
  const refuse = (reason: string, message: string): never => {
    getMetrics().authFailures.inc({ kind: "alert", reason });
    throw new UnauthorizedError(message, CHALLENGE);
  };
  if (!bearer && !basic) {
    refuse("not_configured", "The alert intake is not configured: set AUTOHEAL_ALERT_TOKEN or AUTOHEAL_ALERT_BASIC and the same credentials in Alertmanager's webhook http_config.");
  }
  if (!/^(Bearer|Basic)\s+(\S+)$/i.test(authorization ?? "")) return refuse("missing", "Send Alertmanager's webhook credentials: Authorization: Bearer <token> or Basic.");
  if (!isAlertmanager(authorization)) refuse("invalid", "Wrong alert intake credentials.");
}

/** The same check without an answer: whether these are Alertmanager's credentials. */
export function isAlertmanager(authorization: string | null): boolean {
  const { bearer, basic } = getConfig().autoheal.alertAuth;
  const match = /^(Bearer|Basic)\s+(\S+)$/i.exec(authorization ?? "");
  if (!match) return false;
  const scheme = (match[1] ?? "").toLowerCase();
  const value = match[2] ?? "";
  if (scheme === "bearer" && bearer) return safeEqual(value, bearer);
  if (scheme === "basic" && basic) return safeEqual(Buffer.from(value, "base64").toString("utf8"), `${basic.username}:${basic.password}`);
  return false;
}
