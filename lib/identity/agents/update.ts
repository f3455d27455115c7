import { and, count, eq, isNotNull, sql } from "drizzle-orm";
import { agents, credentials } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import type { Tx } from "@/lib/db/types";
import { isUniqueViolation } from "@/lib/db/errors";
import { ConflictError, ValidationError } from "@/lib/errors";
import { workloadColumns } from "./workload-identity";
import { gateNotice } from "@/lib/identity/state-view";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "./find";
import { assertCanGrant, assertCanManage } from "./grant";
import { assertImportableJwks } from "./jwks";
import { ensureMetadataClient } from "./metadata-client";
import { asksStatus, patchStatus } from "./patch-status";
import { agentView, updateAgentInput } from "./schemas";

/**
 * A public client holds no secret. Switching an agent to public while it still has live
 * credentials with secrets would leave secrets that authenticate a client meant to have none:
 * the operator revokes them first (and generates secretless ones after the switch).
 */
async function assertNoSecrets(tx: Tx, agentId: string): Promise<void> {
  const [row] = await tx
    .select({ n: count() })
    .from(credentials)
    .where(and(eq(credentials.agentId, agentId), eq(credentials.status, "active"), isNotNull(credentials.secretHash)));
  const n = row?.n ?? 0;
  if (n > 0) throw new ConflictError(`This agent has ${n} active credential${n === 1 ? "" : "s"} with a secret; a public client has none. Revoke ${n === 1 ? "it" : "them"} first, then switch to public and generate a secretless credential.`);
}

export async function updateAgent(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  if (asksStatus(raw)) return patchStatus(ctx, raw);
  const { params, input } = parseWithParams(raw, ["id"], updateAgentInput);
  if (input.allowed_scopes) assertCanGrant(ctx.actor, input.allowed_scopes);
  await assertImportableJwks(input.jwks);
  try {
    return await commit(ctx, async (tx) => {
      const before = await findAgent(tx, params.id, true);
      assertCanManage(ctx.actor, before);
      if (before.status === "decommissioned") {
        throw new ConflictError("This agent is decommissioned; it can no longer be changed.");
      }
      if (input.client_type === "public" && before.clientType !== "public") await assertNoSecrets(tx, before.id);
      const inline = input.jwks === undefined ? before.jwks : input.jwks;
      const published = input.jwks_uri === undefined ? before.jwksUri : input.jwks_uri;
      if (inline && published) {
        throw new ValidationError("Register keys inline (jwks) or by URL (jwks_uri), not both: send the other as null.", [{ path: input.jwks_uri ? "jwks_uri" : "jwks", message: "keys are already registered the other way" }]);
      }
      const [agent] = await tx
        .update(agents)
        .set({
          name: input.name,
          email: input.email,
          owner: input.owner,
          deploymentEnv: input.deployment_env,
          allowedScopes: input.allowed_scopes,
          labels: input.labels,
          monthlyTokenQuota: input.monthly_token_quota,
          allowedResources: input.allowed_resources,
          description: input.description,
          redirectUris: input.redirect_uris,
          clientType: input.client_type,
          consentMode: input.consent_mode,
          logoUri: input.logo_uri,
          homepageUri: input.homepage_uri,
          clientIdUrl: input.client_id_url,
          jwks: input.jwks,
          jwksUri: input.jwks_uri,
          dpop: input.dpop,
          ...workloadColumns(input.workload_identity),
          updatedAt: sql`now()`,
        })
        .where(eq(agents.id, before.id))
        .returning();
      if (!agent) throw new Error("update returned no agent");
      await ensureMetadataClient(tx, agent);
      const beforeView = agentView(before);
      const afterView = agentView(agent);
      const changes = Object.fromEntries(
        Object.keys(input).map((k) => {
          const key = k as keyof typeof afterView;
          return [k, { from: beforeView[key], to: afterView[key] }];
        }),
      );
      return {
        value: afterView,
        events: [{ kind: "agent.updated", outcome: "success", agentId: agent.id, metadata: { changes } }],
        // Scopes, quota and keys are cached with credentials: every instance drops them.
        notices: [gateNotice({ t: "agent", id: agent.id, status: agent.status, v: agent.updatedAt.getTime() })],
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`Another agent already has this ${input.workload_identity ? "workload identity" : input.client_id_url ? "client ID URL" : `email ${input.email ?? ""}`}.`);
    throw error;
  }
}
