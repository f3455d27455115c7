import type { ClientJwks } from "@/drizzle/schema";
import type { GateChange, GateStateView } from "@/lib/identity/state-view";
import { perObject } from "@/lib/process/singleton";
import { ChangeCache } from "@/lib/process/change-cache";

/** What client authentication needs of a credential and its agent. */
export type ClientRecord = {
  credentialId: string;
  status: string;
  /** Null for a public client's credential (no secret). */
  secretHash: string | null;
  previousSecretHash: string | null;
  previousExpiresAt: Date | null;
  agentId: string;
  agentStatus: string;
  allowedScopes: string[];
  allowedResources: string[] | null;
  clientType: "confidential" | "public";
  monthlyTokenQuota: number | null;
  dpop: "optional" | "required";
  /** The agent's keys for private_key_jwt; null when it registered none. */
  jwks: ClientJwks | null;
  /** Or where it publishes them. */
  jwksUri: string | null;
};

/**
 * Credentials by client_id, so the token endpoint does not read the database per token.
 * A client change drops its credential; an agent change (suspension, scopes, resources,
 * quota) drops every credential of the agent; a full reload drops everything.
 */
export class ClientCache extends ChangeCache<ClientRecord> {
  constructor(view: GateStateView) {
    super();
    view.events.on("change", (change: GateChange) => {
      if (change.t === "client") this.drop((clientId) => clientId === change.id);
      else if (change.t === "agent") this.drop((_, record) => record.agentId === change.id);
    });
    view.events.on("reload", () => this.drop());
  }
}

/** The cache riding on a running gate view (none without one: then every lookup reads). */
export function clientCacheFor(view: GateStateView | undefined): ClientCache | undefined {
  return view ? perObject("client-cache", view, (owner) => new ClientCache(owner)) : undefined;
}
