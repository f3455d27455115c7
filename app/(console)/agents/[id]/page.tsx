import Link from "next/link";
import { notFound } from "next/navigation";
import { AgentDetail } from "@/components/console/agents/agent-detail";
import { link } from "@/components/ui/styles";
import { listAudit } from "@/lib/audit/list";
import { agentUsage } from "@/lib/console/agent-usage";
import { NotFoundError } from "@/lib/errors";
import { getAgent } from "@/lib/identity/agents/get";
import { listCredentials } from "@/lib/identity/credentials/list";
import { listDelegations } from "@/lib/identity/delegations/list";
import { pageCtx } from "@/lib/console/page-ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agent" };

export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = await pageCtx();
  let agent;
  try {
    agent = await getAgent(ctx, { id });
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    throw error;
  }
  const [credentials, usage, events, grants] = await Promise.all([
    listCredentials(ctx, { id: agent.id }),
    agentUsage(ctx, { id: agent.id }),
    listAudit(ctx, { agentId: agent.id, n: 20 }),
    listDelegations(ctx, { agent_id: agent.id, active: "true", limit: 200 }),
  ]);
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link className={link} href="/agents">
          ← Agents
        </Link>
      </nav>
      <AgentDetail initial={{ agent, credentials: credentials.credentials, usage, events: events.events, grants: grants.delegations }} canWrite={ctx.canWrite} renderedAt={ctx.renderedAt} />
    </>
  );
}
