/** Inputs the audit endpoints share: RFC 3339 timestamps and page sizes. */
import { z } from "zod";

/** An optional RFC 3339 timestamp within years 1..9999 (what PostgreSQL's timestamptz takes). */
export const rfc3339 = (name: string) =>
  z.iso
    .datetime({ offset: true, message: `${name} must be an RFC 3339 timestamp` })
    .refine((v) => {
      const year = new Date(v).getUTCFullYear();
      return year >= 1 && year <= 9999;
    }, `${name} must be between the years 1 and 9999`)
    .optional();

/** `n`: how many per page, clamped to 1..1000 (a number outside is not an error, just bounded). */
export const pageSize = () =>
  z.coerce
    .number({ message: "n must be a number" })
    .int("n must be a whole number")
    .default(100)
    .transform((n) => Math.min(1000, Math.max(1, n)));
