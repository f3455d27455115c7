import { safeEqual } from "@/lib/keys/safe-equal";

/**
 * Whether `Authorization: Bearer <value>` carries exactly `expected`, compared in constant
 * time: the configured tokens of machine callers (METRICS_TOKEN, CRON_SECRET).
 */
export function bearerIs(authorization: string | null, expected: string): boolean {
  const given = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1] ?? "";
  return safeEqual(given, expected);
}
