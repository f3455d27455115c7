import { FirstRun } from "@/components/console/overview/first-run";
import { OverviewLive } from "@/components/console/overview/overview-live";
import { PageHeader } from "@/components/ui/page-header";
import { getConfig } from "@/lib/config";
import { firstRunGuide } from "@/lib/console/first-run";
import { consoleOverview } from "@/lib/console/overview";
import { pageCtx } from "@/lib/console/page-ctx";

export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  const ctx = await pageCtx();
  const config = getConfig();
  const [overview, guide] = await Promise.all([consoleOverview(ctx), firstRunGuide(ctx)]);
  const links = [
    ...(config.GRAFANA_URL ? [{ href: config.GRAFANA_URL, label: "Grafana", note: "dashboards" }] : []),
    { href: `/api/v1/audit?n=100`, label: "Audit JSON", note: "GET /api/v1/audit" },
    { href: "/api/health", label: "Health", note: "liveness and database" },
    { href: "/api/ready", label: "Readiness", note: "migrations, signing key, identity provider" },
    { href: "/metrics", label: "Metrics", note: "Prometheus exposition" },
    { href: "/.well-known/openid-configuration", label: "Discovery", note: "issuer metadata" },
  ];
  return (
    <>
      <PageHeader
        title="Overview"
        lead={
          <>
            Last 24 hours · issuer <span className="font-mono">{config.issuer}</span> ·{" "}
            {config.database.kind === "pglite" ? "embedded database (PGlite)" : "PostgreSQL"}
          </>
        }
      />
      {guide ? <FirstRun guide={guide} /> : null}
      <OverviewLive initial={overview} renderedAt={ctx.renderedAt} />
      <section aria-labelledby="links" className="mt-8">
        <h2 id="links" className="mb-3 text-sm font-semibold uppercase tracking-wide text-muted">
          Quick links
        </h2>
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {links.map((l) => (
            <li key={l.href}>
              <a href={l.href} className="block rounded-lg border border-line bg-surface p-3 hover:border-accent">
                <span className="font-medium">{l.label}</span>
                <span className="block text-sm text-muted">{l.note}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
