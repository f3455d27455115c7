import Link from "next/link";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/console/nav-links";
import { QueryProvider } from "@/components/console/query-provider";
import { ThemeToggle } from "@/components/console/theme-toggle";
import { btnSecondary } from "@/components/ui/styles";
import { signOutEverywhere } from "@/lib/gate/session/actions";
import { MaintenanceSwitch } from "@/components/console/maintenance-switch";
import { hasScope } from "@/lib/access/actor";
import { getConfig } from "@/lib/config";
import { pageActor } from "@/lib/console/page-ctx";
import { maintenance } from "@/lib/runtime/maintenance/view";

/** The console's shell. Sign-in and auth pages sit outside this group and keep their own. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const { actor, user } = await pageActor();
  // From this instance's memory view (kept in step within a second): no query per page.
  const state = { ...maintenance(), environment: getConfig().MAINTENANCE_MODE };
  const isAdmin = hasScope(actor, "admin");
  return (
    <QueryProvider>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-line bg-surface">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/" className="text-lg font-semibold tracking-tight text-accent">
            Vigil
          </Link>
          <nav aria-label="Console" className="order-last w-full min-w-0 md:order-none md:w-auto md:flex-1">
            <NavLinks />
          </nav>
          <div className="ml-auto flex flex-wrap items-center gap-2">
            {state.enabled ? null : <MaintenanceSwitch state={state} isAdmin={isAdmin} />}
            <ThemeToggle />
            <form action={signOutEverywhere} className="flex items-center gap-2">
              <p className="text-sm" data-testid="signed-in-user">
                {user.name} · <span className="font-semibold">{user.role}</span>
              </p>
              <button type="submit" className={btnSecondary}>
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      {state.enabled ? <MaintenanceSwitch state={state} isAdmin={isAdmin} /> : null}
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        {children}
      </main>
    </QueryProvider>
  );
}
