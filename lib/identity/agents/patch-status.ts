import { z } from "zod";
import type { VerbCtx } from "@/lib/context";
import { ValidationError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { decommissionAgent } from "./decommission";
import { reactivateAgent } from "./reactivate";
import { suspendAgent } from "./suspend";

// The seed's agent identity runbook changes status with PATCH {"status": …}: the same three
// transitions as the POST verbs, audited the same way (agent.suspended, …).
export const patchStatusInput = z.strictObject({ id: z.string(), status: z.enum(["suspended", "active", "decommissioned"], { message: "status is suspended, active or decommissioned" }) });

/** Whether a PATCH body asks for a status change (the runbook's form) rather than field edits. */
export const asksStatus = (raw: unknown): boolean => typeof raw === "object" && raw !== null && "status" in raw;

export async function patchStatus(ctx: VerbCtx, raw: unknown) {
  // A transition and field edits in one request would be two changes with one answer.
  const others = Object.keys(raw as object).filter((k) => k !== "id" && k !== "status");
  if (others.length > 0) throw new ValidationError(`Change status alone: send {"status": …} without other fields (got ${others.join(", ")}).`, others.map((path) => ({ path, message: "not with status" })));
  const { id, status } = parseInput(patchStatusInput, raw);
  const verb = status === "suspended" ? suspendAgent : status === "active" ? reactivateAgent : decommissionAgent;
  return verb(ctx, { id });
}
