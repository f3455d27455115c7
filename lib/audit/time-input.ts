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
