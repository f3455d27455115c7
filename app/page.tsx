import { StatusCard } from "@/components/status-card";
import { getConfig } from "@/lib/config";
import { signOutEverywhere } from "@/lib/gate/session/actions";
import { auth } from "@/lib/gate/session/auth";

export const dynamic = "force-dynamic";

const LINKS = [
  { href: "/api/health", label: "Health", note: "liveness and database" },
  { href: "/api/ready", label: "Readiness", note: "migrations, signing key, identity provider" },
  { href: "/.well-known/openid-configuration", label: "Discovery", note: "issuer metadata" },
  { href: "/.well-known/jwks.json", label: "JWKS", note: "public signing keys" },
  { href: "/metrics", label: "Metrics", note: "Prometheus exposition" },
];

export default async function Home() {
  const config = getConfig();
  const session = await auth();
  return (
    <main className="mx-auto max-w-4xl px-6 py-12">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-3xl font-semibold tracking-tight">Vigil</h1>
          <p className="mt-2 text-slate-400">Identity, gate, autoheal and one tamper-evident log for the AI agents you run.</p>
        </div>
        {session?.user ? (
          <form action={signOutEverywhere} className="text-right">
            <p className="text-sm" data-testid="signed-in-user">
              {session.user.name ?? session.user.email} · <span className="font-semibold">{session.user.role}</span>
            </p>
            <button type="submit" className="mt-1 text-sm text-sky-400 underline">
              Sign out
            </button>
          </form>
        ) : null}
      </header>
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
