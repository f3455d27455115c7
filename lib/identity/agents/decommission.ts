import { statusVerb } from "./status";

/** Final: no transition leads out of decommissioned, and every credential is revoked. */
export const decommissionAgent = statusVerb({ action: "decommission", to: "decommissioned", from: ["active", "suspended"], kind: "agent.decommissioned" });
