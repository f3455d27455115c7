import { DelegationsConsole } from "@/components/console/delegations/delegations-console";
import { PageHeader } from "@/components/ui/page-header";
import { hasScope } from "@/lib/access/actor";
import { getConfig } from "@/lib/config";
import { pageCtx } from "@/lib/console/page-ctx";
import { listAgents } from "@/lib/identity/agents/list";
import { listDelegations } from "@/lib/identity/delegations/list";
import { registeredResources } from "@/lib/identity/tokens/audience";

export const dynamic = "force-dynamic";
export const metadata = { title: "Delegations" };

export default async function DelegationsPage() {
  const ctx = await pageCtx();
  const person = ctx.actor.person;
  const isAdmin = hasScope(ctx.actor, "admin");
  const [mine, all, agents] = await Promise.all([
    person ? listDelegations(ctx, { mine: "true", limit: 200 }) : null,
    isAdmin ? listDelegations(ctx, { limit: 100 }) : null,
    // Names for the tables (the newest 200 agents; an older one shows as its id) and the
    // active ones to choose from.
    listAgents(ctx, { limit: 200 }),
  ]);
  const names = Object.fromEntries(agents.agents.map((a) => [a.id, a.name]));
  const options = agents.agents
    .filter((a) => a.status === "active")
    .map((a) => ({ id: a.id, name: a.name, scopes: a.allowed_scopes, resources: registeredResources(a.allowed_resources) }));
  return (
    <>
      <PageHeader
        title="Delegations"
        lead="Let an agent act for you (RFC 8693 token exchange): its tokens then name you as the subject and the agent as the actor, and a revocation stops them at once."
      />
      <DelegationsConsole
        person={person && mine ? { held: [...person.scopes].sort(), mine } : null}
        agents={options}
        names={names}
        all={all}
        maxDepth={getConfig().DELEGATION_MAX_DEPTH}
        renderedAt={ctx.renderedAt}
      />
    </>
  );
}
