import { PoliciesConsole } from "@/components/console/policies/policies-console";
import { PageHeader } from "@/components/ui/page-header";
import { hasScope } from "@/lib/access/actor";
import { pageCtx } from "@/lib/console/page-ctx";
import { listAgents } from "@/lib/identity/agents/list";
import { listPolicySets } from "@/lib/policy/store";

export const dynamic = "force-dynamic";
export const metadata = { title: "Policies" };

export default async function PoliciesPage() {
  const ctx = await pageCtx();
  const [sets, agents] = await Promise.all([
    listPolicySets(ctx),
    // The agents what-if may ask about: the newest 200 (an older one is still asked by its id through the API).
    listAgents(ctx, { limit: 200 }),
  ]);
  return (
    <>
      <PageHeader
        title="Policies"
        lead="Runtime policy in Cedar: per audience, versioned, checked against Vigil's schema before anything is saved, live on every instance within a second."
      />
      <PoliciesConsole initial={sets} agents={agents.agents.map((a) => ({ id: a.id, name: a.name }))} isAdmin={hasScope(ctx.actor, "admin")} renderedAt={ctx.renderedAt} />
    </>
  );
}
