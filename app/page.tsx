import { getConfig } from "@/lib/config";
import { StatusCard } from "@/components/status-card";

export const dynamic = "force-dynamic";

const LINKS = [
  { href: "/api/health", label: "Health", note: "liveness and database" },
  { href: "/api/ready", label: "Readiness", note: "migrations and signing key" },
  { href: "/.well-known/openid-configuration", label: "Discovery", note: "issuer metadata" },
  { href: "/.well-known/jwks.json", label: "JWKS", note: "public signing keys" },
  { href: "/metrics", label: "Metrics", note: "Prometheus exposition" },
];

export default function Home() {
  const config = getConfig();
  return (
    <main className="mx-auto max-w-4xl px-6 py-12">
      <h1 className="text-3xl font-semibold tracking-tight">Vigil</h1>
      <p className="mt-2 text-slate-400">
        Identity, gate, autoheal and one tamper-evident log for the AI agents you run.
      </p>
      <section aria-labelledby="issuer" className="mt-8 rounded-lg border border-slate-800 bg-slate-900 p-5">
        <h2 id="issuer" className="text-sm font-medium uppercase tracking-wide text-slate-400">
          Token issuer
        </h2>
        <p className="mt-2 font-mono text-sky-300">{config.issuer}</p>
        <p className="mt-1 text-sm text-slate-400">
          Database: {config.database.kind === "pglite" ? "embedded (PGlite)" : "PostgreSQL"} · Mode:{" "}
          {config.production ? "production" : "trial / development"}
        </p>
      </section>
      <ul className="mt-8 grid gap-4 sm:grid-cols-2">
        {LINKS.map((link) => (
          <li key={link.href}>
            <StatusCard {...link} />
          </li>
        ))}
      </ul>
    </main>
  );
}
