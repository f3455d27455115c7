import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Constant-time string equality for secrets (client secrets' hashes, bearer tokens, CSRF
 * tokens). Both sides are hashed first: equal lengths for timingSafeEqual, and the time
 * taken says nothing about the expected value's length either.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}
