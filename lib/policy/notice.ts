import type { Notice } from "@/lib/events/notify";

/** Policy changes reach every instance on this channel (as gate changes do on theirs). */
export const POLICY_CHANNEL = "vigil_policy";

export type PolicyChange = { name: string; version: number };

export const policyNotice = (change: PolicyChange): Notice => ({ channel: POLICY_CHANNEL, payload: change });
