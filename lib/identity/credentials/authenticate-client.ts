import { eq } from "drizzle-orm";
import { agents, credentials } from "@/drizzle/schema";
import type { Actor } from "@/lib/access/actor";
import { clientActor, type AuthenticatedClient } from "@/lib/access/client";
import { commitBatched } from "@/lib/audit/batch";
import type { ClientCtx, RequestFacts } from "@/lib/context";
import type { Db, Executor } from "@/lib/db/types";
import { gateView } from "@/lib/identity/state-view";
import { getMetrics, timed } from "@/lib/observability/metrics";
import { OAuthError } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { secretMatches } from "../secrets";
import { clientCacheFor, type ClientRecord } from "./client-cache";

export type PresentedClient = { clientId: string; secret: string; method: "client_secret_basic" | "client_secret_post" | "none" };

export type { AuthenticatedClient };

export class ClientAuthError extends OAuthError {
  constructor(
    readonly reason: string,
    readonly clientId: string | null,
    readonly agentId: string | null,
  ) {
    // RFC 6749 §5.2: 401 with a challenge; Basic is the scheme this endpoint speaks.
    super("invalid_client", "Client authentication failed.", 401, {
      "WWW-Authenticate": 'Basic realm="vigil", charset="UTF-8"',
    });
  }
}

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));

/**
 * client_secret_basic or client_secret_post (RFC 6749 §2.3.1), never both: a request that
 * uses two methods is invalid_request.
 */
export function presentedClient(authorization: string | null, form: OAuthForm): PresentedClient {
  const postId = oauthParam(form, "client_id");
  const postSecret = oauthParam(form, "client_secret");
  if (authorization && /^basic /i.test(authorization)) {
    if (postSecret !== null) {
      throw new OAuthError("invalid_request", "Use one client authentication method, not both Basic and client_secret.");
    }
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) throw new ClientAuthError("malformed_basic", null, null);
    try {
      const clientId = formDecode(decoded.slice(0, colon));
      const secret = formDecode(decoded.slice(colon + 1));
      if (postId !== null && postId !== clientId) {
        throw new OAuthError("invalid_request", "client_id in the body differs from the Basic credentials.");
      }
      return { clientId, secret, method: "client_secret_basic" };
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw new ClientAuthError("malformed_basic", null, null);
    }
  }
  if (postId !== null && postSecret !== null) return { clientId: postId, secret: postSecret, method: "client_secret_post" };
  // RFC 6749 §2.3 / OAuth 2.1 public clients: client_id alone; only a public client's
  // credential (one without a secret) may authenticate this way.
  if (postId !== null) return { clientId: postId, secret: "", method: "none" };
  throw new ClientAuthError("missing_client_authentication", postId, null);
}

/** One indexed read: the credential with its agent. Every refusal is the same invalid_client. */
export async function authenticateClient(db: Executor, presented: PresentedClient): Promise<AuthenticatedClient> {
  const fail = (reason: string, agentId: string | null = null) =>
    new ClientAuthError(reason, presented.clientId.slice(0, 200), agentId);
  if (presented.clientId.length > 200 || presented.secret.length > 200) throw fail("unknown_client");
  const row = await clientRecord(db, presented.clientId);
  if (!row) throw fail("unknown_client");
  if (presented.method === "none" || row.secretHash === null) {
    // A public client never has a secret, a confidential one always must show it.
    if (presented.method !== "none" || row.secretHash !== null || row.clientType !== "public") throw fail(presented.method === "none" ? "secret_required" : "public_client_secret", row.agentId);
    if (row.status !== "active") throw fail("credential_revoked", row.agentId);
    if (row.agentStatus !== "active") throw fail(`agent_${row.agentStatus}`, row.agentId);
    return authenticatedOf(row, presented.clientId).client;
  }
  const current = secretMatches(presented.secret, row.secretHash);
  const previous =
    !current &&
    row.previousExpiresAt !== null &&
    row.previousExpiresAt.getTime() > Date.now() &&
    secretMatches(presented.secret, row.previousSecretHash);
  if (!current && !previous) throw fail("bad_secret", row.agentId);
  if (row.status !== "active") throw fail("credential_revoked", row.agentId);
  if (row.agentStatus !== "active") throw fail(`agent_${row.agentStatus}`, row.agentId);
  return authenticatedOf(row, presented.clientId).client;
}

/** The actor of an authenticated client (memoised with it when it came from the cache). */
function actorOf(client: AuthenticatedClient): Actor {
  return clientActors.get(client) ?? clientActor(client);
}
const clientActors = new WeakMap<AuthenticatedClient, Actor>();

// One client view and actor per cached record (the record is replaced when anything about
// it changes), so the token endpoint does not rebuild them, scope set included, per request.
const views = new WeakMap<ClientRecord, { client: AuthenticatedClient; actor: Actor }>();

function authenticatedOf(row: ClientRecord, clientId: string): { client: AuthenticatedClient; actor: Actor } {
  let held = views.get(row);
  if (!held) {
    const client: AuthenticatedClient = {
      credentialId: row.credentialId,
      clientId,
      agentId: row.agentId,
      allowedScopes: row.allowedScopes,
      allowedResources: row.allowedResources,
      clientType: row.clientType,
      monthlyTokenQuota: row.monthlyTokenQuota,
    };
    held = { client, actor: clientActor(client) };
    views.set(row, held);
    clientActors.set(client, held.actor);
  }
  return held;
}

/** The credential and its agent: from the cache when the gate view runs, else one indexed read. */
async function clientRecord(db: Executor, clientId: string): Promise<ClientRecord | undefined> {
  const read = async () => {
    const [row] = await timed("client_lookup", () =>
      db
        .select({
          credentialId: credentials.id,
          status: credentials.status,
          secretHash: credentials.secretHash,
          previousSecretHash: credentials.previousSecretHash,
          previousExpiresAt: credentials.previousExpiresAt,
          agentId: agents.id,
          agentStatus: agents.status,
          allowedScopes: agents.allowedScopes,
          allowedResources: agents.allowedResources,
          clientType: agents.clientType,
          monthlyTokenQuota: agents.monthlyTokenQuota,
        })
        .from(credentials)
        .innerJoin(agents, eq(agents.id, credentials.agentId))
        .where(eq(credentials.clientId, clientId))
        .limit(1),
    );
    return row;
  };
  const cache = clientCacheFor(gateView(db));
  return cache ? cache.getOrLoad(clientId, read) : read();
}

/**
 * Client authentication for an OAuth route, once, by the route wrapper (as oidc-provider's
 * shared client_auth does for token, introspection and revocation). A refusal is counted and
 * audited as auth.failed under the endpoint's name before it is answered (invalid_client).
 */
export async function authenticateClientRequest(
  base: RequestFacts & { db: Db; signal?: AbortSignal },
  authorization: string | null,
  form: OAuthForm,
  endpoint: string,
): Promise<ClientCtx> {
  // no-scope: records a refused client authentication; nobody is authenticated yet.
  try {
    const client = await authenticateClient(base.db, presentedClient(authorization, form));
    return { ...base, actor: actorOf(client), client };
  } catch (error) {
    if (error instanceof ClientAuthError) {
      getMetrics().authFailures.inc({ kind: "client", reason: error.reason });
      const by = error.clientId ? `client:${error.clientId}` : "anonymous";
      await commitBatched(
        { requestId: base.requestId, ip: base.ip, userAgent: base.userAgent, db: base.db, by },
        { kind: "auth.failed", outcome: "failure", agentId: error.agentId, clientId: error.clientId, metadata: { endpoint, reason: error.reason } },
      );
    }
    throw error;
  }
}
