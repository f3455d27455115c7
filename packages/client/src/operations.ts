/**
 * Every operation the client calls, as [method, path template] in the route table's own
 * spelling. The client only reaches the API through these entries, so this list is exactly
 * what it depends on; a test checks each against Vigil's OpenAPI document (openapi.json) so
 * a renamed or removed route fails the build, not an operator.
 */
export type Method = "GET" | "POST" | "PATCH" | "DELETE";
export type Operation = readonly [Method, string];

export const OPS = {
  health: ["GET", "/api/health"],
  ready: ["GET", "/api/ready"],
  discovery: ["GET", "/.well-known/openid-configuration"],
  jwks: ["GET", "/.well-known/jwks.json"],
  metrics: ["GET", "/metrics"],
  token: ["POST", "/api/v1/token"],

  listAgents: ["GET", "/api/v1/agents"],
  createAgent: ["POST", "/api/v1/agents"],
  getAgent: ["GET", "/api/v1/agents/:id"],
  suspendAgent: ["POST", "/api/v1/agents/:id/suspend"],
  reactivateAgent: ["POST", "/api/v1/agents/:id/reactivate"],
  decommissionAgent: ["POST", "/api/v1/agents/:id/decommission"],

  listCredentials: ["GET", "/api/v1/agents/:id/credentials"],
  generateCredential: ["POST", "/api/v1/agents/:id/credentials"],
  rotateCredential: ["POST", "/api/v1/agents/:id/credentials/:credentialId/rotate"],
  revokeCredential: ["POST", "/api/v1/agents/:id/credentials/:credentialId/revoke"],

  listKeys: ["GET", "/api/v1/keys"],
  rotateKey: ["POST", "/api/v1/keys/rotate"],

  queryAudit: ["GET", "/api/v1/audit"],
  liveEvents: ["GET", "/api/v1/events"],
  verifyAudit: ["GET", "/api/v1/audit/verify"],
  listCheckpoints: ["GET", "/api/v1/audit/checkpoints"],

  autohealStatus: ["GET", "/api/v1/autoheal"],
  toggleAutoheal: ["PATCH", "/api/v1/autoheal"],
  listSilences: ["GET", "/api/v1/autoheal/silences"],
  expireSilence: ["DELETE", "/api/v1/autoheal/silences/:id"],
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPS;

export const operations: readonly Operation[] = Object.values(OPS);

/** "/api/v1/agents/:id" + {id: "a b"} -> "/api/v1/agents/a%20b"; a missing parameter is a bug here. */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === "") throw new TypeError(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}
