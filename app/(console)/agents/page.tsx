import { AgentsTable } from "@/components/console/agents/agents-table";
import { CreateAgent } from "@/components/console/agents/create-agent";
import { PageHeader } from "@/components/ui/page-header";
import { btnSecondary, input, label } from "@/components/ui/styles";
import { agentStatuses } from "@/drizzle/schema";
import { listAgents } from "@/lib/identity/agents/list";
import { ValidationError } from "@/lib/errors";
import { pageCtx } from "@/lib/console/page-ctx";
import { Problem } from "@/components/ui/problem";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agents" };

const one = (v: string | string[] | undefined) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export default async function AgentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await pageCtx();
  const sp = await searchParams;
  const params = { search: one(sp.search), status: one(sp.status), cursor: one(sp.cursor) };
  let initial: Awaited<ReturnType<typeof listAgents>> | null = null;
  let problem: string | null = null;
  try {
    initial = await listAgents(ctx, params);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problem = error.message;
  }
  return (
    <>
      <PageHeader title="Agents" lead="Every registered agent, newest first." actions={ctx.canWrite ? <CreateAgent /> : null} />
      {/* A plain GET form: the filter is in the URL and works before any script has loaded. */}
      <form method="get" role="search" aria-label="Filter agents" className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-line bg-surface p-4">
        <div className="min-w-48 flex-1">
          <label htmlFor="agent-search" className={label}>
            Search
          </label>
          <input id="agent-search" name="search" type="search" defaultValue={params.search} placeholder="name or email" className={`${input} mt-1`} />
        </div>
        <div>
          <label htmlFor="agent-status" className={label}>
            Status
          </label>
          <select id="agent-status" name="status" defaultValue={params.status ?? ""} className={`${input} mt-1`}>
            <option value="">Any</option>
            {agentStatuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={btnSecondary}>
          Filter
        </button>
      </form>
      {problem ? (
        <Problem>{problem}</Problem>
      ) : null}
      {initial ? <AgentsTable params={params} initial={initial} renderedAt={ctx.renderedAt} /> : null}
    </>
  );
}
