import { statusVerb } from "./status";

/** A suspended agent is active again. */
export const reactivateAgent = statusVerb({ action: "reactivate", to: "active", from: ["suspended"], kind: "agent.reactivated" });
