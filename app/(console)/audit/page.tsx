import { AuditExplorer, type AuditParams } from "@/components/console/audit/audit-explorer";
import { showsHeartbeats } from "@/components/console/audit/heartbeats-filter";
import { PageHeader } from "@/components/ui/page-header";
import { listAudit } from "@/lib/audit/list";
import { ValidationError } from "@/lib/errors";
import { pageCtx } from "@/lib/console/page-ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit" };

const PAGE_SIZE = 50;
const one = (v: string | string[] | undefined) => (typeof v === "string" && v !== "" ? v : undefined);

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await pageCtx();
  const sp = await searchParams;
  const params: AuditParams = { q: one(sp.q), since: one(sp.since), until: one(sp.until), cursor: one(sp.cursor), heartbeats: one(sp.heartbeats) };
  let initial: Awaited<ReturnType<typeof listAudit>> | null = null;
  let problem: string | null = null;
  try {
    const { heartbeats, ...query } = params;
    initial = await listAudit(ctx, { ...query, n: PAGE_SIZE, ...(showsHeartbeats(heartbeats, query.q) ? {} : { heartbeats: false }) });
  } catch (error) {
    // A bad query or time from the URL is the reader's to fix, shown next to the box.
    if (!(error instanceof ValidationError)) throw error;
    problem = error.message;
  }
  return (
    <>
      <PageHeader title="Audit" lead="Every event Vigil recorded, newest first. The query and range are in the URL: share the link to share the view." />
      <AuditExplorer params={params} initial={initial} problem={problem} pageSize={PAGE_SIZE} renderedAt={ctx.renderedAt} />
    </>
  );
}
