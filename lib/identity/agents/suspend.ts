import { statusVerb } from "./status";

/** No new tokens until reactivated; its live tokens stop working at once. */
export const suspendAgent = statusVerb({ action: "suspend", to: "suspended", from: ["active"], kind: "agent.suspended" });
