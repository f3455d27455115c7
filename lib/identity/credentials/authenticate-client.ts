import { and, asc, eq } from "drizzle-orm";
import { decodeProtectedHeader } from "jose";
import { agents, credentials } from "@/drizzle/schema";
import type { Actor } from "@/lib/access/actor";
import { clientActor, type AuthenticatedClient, type ClientAuthMethod } from "@/lib/access/client";
import { commitBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import type { ClientCtx, RequestFacts } from "@/lib/context";
import type { Db, Executor } from "@/lib/db/types";
import { gateView } from "@/lib/identity/state-view";
import { getMetrics, timed } from "@/lib/observability/metrics";
import { oauthEndpoints } from "../endpoints";
import type { OAuthForm } from "../oauth-params";
import { replayCacheFor } from "../replay/open";
import type { ReplayCache } from "../replay/replay-cache";
import { checkSecret, secretMatches, unmatchableHash } from "../secrets";
import { claimAssertion, verifyClientAssertion } from "./client-assertion";
import { clientCacheFor, type ClientRecord } from "./client-cache";
import { agentPublishedJwks } from "./published-keys";
import { rehashClientSecret, type StaleHash } from "./rehash";
import { verifyWorkloadAssertion } from "./workload";
import { ClientAuthError, presentedClient, type PresentedClient } from "./presented-client";

/** What private_key_jwt needs besides the assertion: the endpoint called (its aud) and the replay cache. */
export type AssertionEndpoint = { endpoint: string; replay: ReplayCache };

export type { AuthenticatedClient };

/** The client, and the hash its secret matched when that hash should be re-made under the current AUTH_SECRET. */
export type Authenticated = { client: AuthenticatedClient; stale: StaleHash | null };

/** One indexed read: the credential with its agent. Every refusal is invalid_client. */
export async function authenticateClient(db: Executor, presented: PresentedClient, at?: AssertionEndpoint): Promise<Authenticated> {
  const fail = (reason: string, agentId: string | null = null, description?: string) =>
    new ClientAuthError(reason, presented.clientId.slice(0, 200), agentId, description);
  if (presented.clientId.length > 200) throw fail("unknown_client");
  // A control character (NUL above all: PostgreSQL text cannot hold it) is no client_id; the
  // refusal names no client, so nothing unstorable reaches the audit row either.
  if (/[\u0000-\u001f\u007f]/.test(presented.clientId)) throw new ClientAuthError("malformed_client_id", null, null, "client_id contains control characters.");
  if (presented.method === "private_key_jwt") return { client: await authenticateAssertion(db, presented, at, fail), stale: null };
  if (presented.method === "workload") return { client: await authenticateWorkload(db, presented, at, fail), stale: null };
  if (presented.secret.length > 200) throw fail("unknown_client");
  const { row, read } = await clientRecord(db, presented.clientId);
  if (!row) {
    // The same work as a known client's wrong secret, so the time of the answer cannot
    // tell which ids exist (issue 19): a secret check, against nothing that can match.
    secretMatches(presented.secret, unmatchableHash());
    throw fail("unknown_client");
  }
  if (presented.method === "none" || row.secretHash === null) {
    // A public client never has a secret, a confidential one always must show it.
    if (presented.method !== "none" || row.secretHash !== null || row.clientType !== "public") throw fail(presented.method === "none" ? "secret_required" : "public_client_secret", row.agentId);
    assertLive(row, fail);
    return { client: authenticatedOf(row, presented.clientId, "none").client, stale: null };
  }
  const current = checkSecret(presented.secret, row.secretHash);
  const graceLive = row.previousExpiresAt !== null && row.previousExpiresAt.getTime() > Date.now();
  const previous = !current.match && graceLive ? checkSecret(presented.secret, row.previousSecretHash) : null;
  const matched = current.match ? { check: current, which: "current" as const, stored: row.secretHash } : previous?.match ? { check: previous, which: "previous" as const, stored: row.previousSecretHash } : null;
  if (!matched) {
    // An unknown id is always read from the table (nothing caches absence); a refused known
    // one is read too when it came from the cache, so every refusal costs one read.
    if (!read) await readClientRecord(db, presented.clientId);
    // Hashed under a server secret no longer configured: no secret can match, and the
    // operator needs to know why (the reason is audited; the client sees invalid_client).
    const retired = !current.match && current.retired;
    throw fail(retired ? "secret_version_retired" : "bad_secret", row.agentId);
  }
  assertLive(row, fail);
  const { check, which, stored } = matched;
  const stale = check.match && check.stale && stored ? { which, stored, secret: presented.secret } : null;
  return { client: authenticatedOf(row, presented.clientId, presented.method).client, stale };
}

type Fail = (reason: string, agentId?: string | null, description?: string) => ClientAuthError;

function assertLive(row: ClientRecord, fail: Fail): void {
  if (row.status !== "active") throw fail("credential_revoked", row.agentId);
  if (row.agentStatus !== "active") throw fail(`agent_${row.agentStatus}`, row.agentId);
}

/** What a client assertion may name as `aud`: Vigil's issuer, its token endpoint, or the endpoint called. */
function assertionAudiences(endpoint: string): string[] {
  const { issuer } = getConfig();
  const endpoints = oauthEndpoints(issuer);
  const called = Object.entries(endpoints).find(([name]) => name === endpoint)?.[1];
  return [issuer, endpoints.token, ...(called ? [called] : [])];
}

/**
 * private_key_jwt: any credential of an agent with registered keys, with or without a
 * secret; the assertion is the proof. Its jti is spent only once the client is known live.
 */
async function authenticateAssertion(
  db: Executor,
  presented: Extract<PresentedClient, { method: "private_key_jwt" }>,
  at: AssertionEndpoint | undefined,
  fail: Fail,
): Promise<AuthenticatedClient> {
  if (!at) throw fail("assertion_unsupported", null, "This endpoint does not accept client assertions.");
  const { row } = await clientRecord(db, presented.clientId);
  if (!row) throw fail("unknown_client");
  const refuse = (reason: string, description: string) => fail(reason, row.agentId, description);
  const { CLOCK_LEEWAY_SECONDS: leewaySeconds } = getConfig();
  const audiences = assertionAudiences(at.endpoint);
  const jwks = row.jwksUri ? await agentPublishedJwks(row.jwksUri, kidOf(presented.assertion)) : row.jwks;
  const verified = await verifyClientAssertion(presented.assertion, presented.clientId, jwks, { audiences, leewaySeconds }, refuse);
  assertLive(row, fail);
  await claimAssertion(at.replay, presented.clientId, verified, leewaySeconds, refuse);
  return authenticatedOf(row, presented.clientId, "private_key_jwt").client;
}

/** The actor of an authenticated client (memoised with it when it came from the cache). */
function actorOf(client: AuthenticatedClient): Actor {
  return clientActors.get(client) ?? clientActor(client);
}
const clientActors = new WeakMap<AuthenticatedClient, Actor>();

// One client view and actor per cached record and method (the record is replaced when
// anything about it changes), so the token endpoint does not rebuild them, scope set
// included, per request.
type Held = { client: AuthenticatedClient; actor: Actor };
const views = new WeakMap<ClientRecord, Map<ClientAuthMethod, Held>>();

function authenticatedOf(row: ClientRecord, clientId: string, authMethod: ClientAuthMethod): Held {
  let byMethod = views.get(row);
  if (!byMethod) views.set(row, (byMethod = new Map()));
  let held = byMethod.get(authMethod);
  if (!held) {
    const client: AuthenticatedClient = {
      credentialId: row.credentialId,
      clientId,
      agentId: row.agentId,
      allowedScopes: row.allowedScopes,
      allowedResources: row.allowedResources,
      clientType: row.clientType,
      monthlyTokenQuota: row.monthlyTokenQuota,
      authMethod,
      dpop: row.dpop,
    };
    held = { client, actor: clientActor(client) };
    byMethod.set(authMethod, held);
    clientActors.set(client, held.actor);
  }
  return held;
}

/** What client authentication reads of a credential and its agent (ClientRecord). */
const RECORD = {
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
  dpop: agents.dpop,
  jwks: agents.jwks,
  jwksUri: agents.jwksUri,
};

/** The kid an assertion's header names, read only to pick keys (the signature is checked after). */
function kidOf(assertion: string): string | undefined {
  try {
    const kid = decodeProtectedHeader(assertion).kid;
    return typeof kid === "string" ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Workload identity federation: the issuer's JWT verified first (so an unknown subject and a
 * bad token look alike), then the agent bound to its subject and that agent's active
 * credential (the one named by client_id, or its oldest). The agent needs no secret.
 */
async function authenticateWorkload(
  db: Executor,
  presented: Extract<PresentedClient, { method: "workload" }>,
  at: AssertionEndpoint | undefined,
  fail: Fail,
): Promise<AuthenticatedClient> {
  if (!at) throw fail("assertion_unsupported", null, "This endpoint does not accept client assertions.");
  const audiences = assertionAudiences(at.endpoint);
  const subject = await verifyWorkloadAssertion(presented.assertion, presented.issuer, audiences, (reason, description) => fail(reason, null, description));
  const rows = await db
    .select({ ...RECORD, clientId: credentials.clientId })
    .from(credentials)
    .innerJoin(agents, eq(agents.id, credentials.agentId))
    .where(
      and(
        eq(agents.workloadIssuer, presented.issuer.name),
        eq(agents.workloadSubject, subject),
        eq(credentials.status, "active"),
        ...(presented.postId !== null ? [eq(credentials.clientId, presented.postId)] : []),
      ),
    )
    .orderBy(asc(credentials.createdAt))
    .limit(1);
  const row = rows[0];
  if (!row) {
    throw fail("workload_subject_unbound", null, `No active agent credential is bound to this ${presented.issuer.name} subject${presented.postId !== null ? " with that client_id" : ""}.`);
  }
  assertLive(row, fail);
  return authenticatedOf(row, row.clientId, "workload_jwt").client;
}

/** One indexed read of the credential and its agent. */
async function readClientRecord(db: Executor, clientId: string): Promise<ClientRecord | undefined> {
  const [row] = await timed("client_lookup", () =>
    db
      .select(RECORD)
      .from(credentials)
      .innerJoin(agents, eq(agents.id, credentials.agentId))
      .where(eq(credentials.clientId, clientId))
      .limit(1),
  );
  return row;
}

/**
 * The credential and its agent: from the cache when the gate view runs, else one indexed
 * read; `read` says whether this request waited for a read (its own or one in flight).
 */
async function clientRecord(db: Executor, clientId: string): Promise<{ row: ClientRecord | undefined; read: boolean }> {
  const cache = clientCacheFor(gateView(db));
  // The token endpoint's hot path: a cached credential, no read and no closure.
  const cached = cache?.get(clientId);
  if (cached) return { row: cached, read: false };
  const row = cache ? await cache.getOrLoad(clientId, () => readClientRecord(db, clientId)) : await readClientRecord(db, clientId);
  return { row, read: true };
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
    const presented = presentedClient(authorization, form);
    // The replay cache is opened only for assertions: secrets need none.
    const assertion = presented.method === "private_key_jwt" || presented.method === "workload";
    const at = assertion ? { endpoint, replay: await replayCacheFor(base.db) } : undefined;
    const { client, stale } = await authenticateClient(base.db, presented, at);
    const ctx = { ...base, actor: actorOf(client), client };
    // AUTH_SECRET changed since this secret was hashed: re-hash it now, while its plaintext is here.
    if (stale) await rehashClientSecret(ctx, stale);
    return ctx;
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
