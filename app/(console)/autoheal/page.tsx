import { AutohealConsole } from "@/components/console/autoheal/autoheal-console";
import { PageHeader } from "@/components/ui/page-header";
import { autohealStatus, listActions, listRules } from "@/lib/autoheal/admin";
import { hasScope } from "@/lib/gate/actor";
import { pageCtx } from "@/lib/gate/session/page-actor";

export const dynamic = "force-dynamic";
export const metadata = { title: "Autoheal" };

export default async function AutohealPage() {
  const ctx = await pageCtx();
  const [status, actions] = await Promise.all([autohealStatus(ctx.db), listActions(ctx, { n: 50 })]);
  return (
    <>
      <PageHeader title="Autoheal" lead="Alertmanager's alerts, the rules that answer them, and what they did. Switches are shared by every instance." />
      <AutohealConsole
        status={status}
        rules={listRules(ctx)}
        actions={actions}
        isAdmin={hasScope(ctx.actor, "admin")}
        canAck={hasScope(ctx.actor, "autoheal:ack")}
        renderedAt={ctx.renderedAt}
      />
    </>
  );
}
