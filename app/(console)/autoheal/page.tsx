import { AutohealConsole } from "@/components/console/autoheal/autoheal-console";
import { PageHeader } from "@/components/ui/page-header";
import { listAlerts } from "@/lib/autoheal/alerts-list";
import { listActions } from "@/lib/autoheal/list-actions";
import { listRules } from "@/lib/autoheal/list-rules";
import { autohealStatusForReader } from "@/lib/autoheal/reader-status";
import { hasScope } from "@/lib/access/actor";
import { pageCtx } from "@/lib/console/page-ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Autoheal" };

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v.slice(0, 2000) : undefined);

export default async function AutohealPage({ searchParams }: { searchParams: Search }) {
  const ctx = await pageCtx();
  const search = await searchParams;
  // An ack link opened from elsewhere arrives here (see GET /api/ack) with its fields.
  const ackPrefill = { labels: one(search.labels), duration: one(search.duration), comment: one(search.comment) };
  const [status, actions, alerts] = await Promise.all([autohealStatusForReader(ctx), listActions(ctx, { n: 50 }), listAlerts(ctx, { n: 20 })]);
  return (
    <>
      <PageHeader title="Autoheal" lead="Alertmanager's alerts, the rules that answer them, and what they did. Switches are shared by every instance." />
      <AutohealConsole
        status={status}
        rules={listRules(ctx)}
        actions={actions}
        alerts={alerts}
        isAdmin={hasScope(ctx.actor, "admin")}
        canAck={hasScope(ctx.actor, "autoheal:ack")}
        ackPrefill={ackPrefill}
        renderedAt={ctx.renderedAt}
      />
    </>
  );
}
