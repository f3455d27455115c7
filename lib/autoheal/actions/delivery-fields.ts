import { z } from "zod";

/** The delivery fields every HTTP-speaking action accepts, with the same defaults. */
export const deliveryFields = {
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  retries: z.number().int().min(0).max(10).default(2),
  backoff_ms: z.number().int().min(10).max(60_000).default(500),
};

export function toDelivery(
  config: { timeout_ms: number; retries: number; backoff_ms: number },
  successStatus: number[] | null,
) {
  return { timeoutMs: config.timeout_ms, retries: config.retries, backoffMs: config.backoff_ms, successStatus };
}
