/**
 * What /authorize/error says for each reason code the authorization endpoint sends. The
 * page shows only these fixed texts, chosen by the code: nothing from the URL is ever
 * reflected (the link may have been crafted by anyone).
 */
export type ErrorReason = { title: string; what: string; todo: string };

const REASONS = {
  unknown_client: {
    title: "Vigil does not know this agent",
    what: "The link that brought you here names an agent (its client_id) that is not registered with Vigil, or whose credential has been revoked.",
    todo: "Go back to the app that sent you and tell its owner. An operator registers the agent and gives it a credential in the Vigil console; then the app can send you here again.",
  },
  inactive_client: {
    title: "This agent is not active",
    what: "The agent that sent you is suspended or decommissioned in Vigil, so nobody can let it act for them right now.",
    todo: "Ask the agent's owner or a Vigil operator whether it should be reactivated. Until then, the app that sent you cannot act for you.",
  },
  invalid_redirect_uri: {
    title: "This agent asked to send you somewhere it did not register",
    what: "Vigil only ever sends people back to addresses an agent registered in advance. This request named another address, so Vigil stopped here instead of sending you there.",
    todo: "Do not retry this link. Tell the owner of the app that sent you: the exact redirect URI must be registered on the agent's page in the Vigil console.",
  },
  missing_redirect_uri: {
    title: "This request does not say where to send you back",
    what: "An authorization request must name a redirect URI the agent registered, so Vigil knows where your answer goes. This one named none.",
    todo: "Tell the owner of the app that sent you: its authorization requests must include redirect_uri.",
  },
} as const satisfies Record<string, ErrorReason>;

export type ErrorReasonCode = keyof typeof REASONS;

const UNKNOWN: ErrorReason = {
  title: "This authorization request cannot be completed",
  what: "Vigil refused the request that brought you here.",
  todo: "Go back to the app that sent you and start again from there. If it keeps happening, tell the app's owner.",
};

export function errorReason(code: unknown): ErrorReason & { code: ErrorReasonCode | null } {
  if (typeof code === "string" && Object.hasOwn(REASONS, code)) return { ...REASONS[code as ErrorReasonCode], code: code as ErrorReasonCode };
  return { ...UNKNOWN, code: null };
}
