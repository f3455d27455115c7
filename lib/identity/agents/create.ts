import { agents } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { isUniqueViolation } from "@/lib/db/errors";
import { ConflictError } from "@/lib/errors";
import { workloadColumns } from "./workload-identity";
import { parseInput } from "@/lib/validation";
import { assertCanGrant } from "./grant";
import { assertImportableJwks } from "./jwks";
import { ensureMetadataClient } from "./metadata-client";
import { agentView, createAgentInput } from "./schemas";

export async function createAgent(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:write");
  const input = parseInput(createAgentInput, raw);
  assertCanGrant(ctx.actor, input.allowed_scopes);
  await assertImportableJwks(input.jwks);
  try {
    return await commit(ctx, async (tx) => {
      const [agent] = await tx
        .insert(agents)
        .values({
          name: input.name,
          email: input.email,
          owner: input.owner,
          deploymentEnv: input.deployment_env,
          allowedScopes: input.allowed_scopes,
          labels: input.labels,
          monthlyTokenQuota: input.monthly_token_quota ?? null,
          allowedResources: input.allowed_resources ?? null,
          description: input.description ?? null,
          redirectUris: input.redirect_uris,
          clientType: input.client_type,
          consentMode: input.consent_mode,
          logoUri: input.logo_uri ?? null,
          homepageUri: input.homepage_uri ?? null,
          clientIdUrl: input.client_id_url ?? null,
          jwks: input.jwks ?? null,
          jwksUri: input.jwks_uri ?? null,
          dpop: input.dpop,
          ...workloadColumns(input.workload_identity),
        })
        .returning();
      if (!agent) throw new Error("insert returned no agent");
      await ensureMetadataClient(tx, agent);
      return {
        value: agentView(agent),
        events: [
          {
            kind: "agent.created",
            outcome: "success",
            agentId: agent.id,
            metadata: { name: agent.name, owner: agent.owner, deployment_env: agent.deploymentEnv, allowed_scopes: agent.allowedScopes, labels: agent.labels, allowed_resources: agent.allowedResources, jwks_kids: agent.jwks?.keys.map((k) => k.kid) ?? [] },
          },
        ],
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`An agent with email ${input.email}${input.client_id_url ? " or this client ID URL" : ""}${input.workload_identity ? " or this workload identity" : ""} already exists.`);
    throw error;
  }
}
