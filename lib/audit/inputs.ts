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

/**
 * `heartbeats=false` leaves out the job runner's `heartbeat` events (one per instance every
 * AUTOHEAL_HEARTBEAT_SECONDS), which otherwise bury everything else when reading the log by
 * eye; the console asks for this by default. Absent or true: every event, as always.
 */
export const heartbeatsFlag = () =>
  z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")], { message: "heartbeats is true or false" })
    .optional();

/** `n`: how many per page, clamped to 1..1000 (a number outside is not an error, just bounded). */
export const pageSize = () =>
  z.coerce
    .number({ message: "n must be a number" })
    .int("n must be a whole number")
    .default(100)
    .transform((n) => Math.min(1000, Math.max(1, n)));
