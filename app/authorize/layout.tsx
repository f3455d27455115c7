import type { ReactNode } from "react";
import { ThemeToggle } from "@/components/console/theme-toggle";

/**
 * The authorization pages stand outside the console's navigation shell: a person sent here
 * by an agent has one decision to make, and links into the console would only invite them
 * to leave the flow half-way (the client would never hear back).
 */
export default function AuthorizeLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-line bg-surface">
        <div className="mx-auto flex max-w-2xl items-center justify-between gap-3 px-4 py-3">
          <p className="text-lg font-semibold tracking-tight text-accent">Vigil</p>
          <ThemeToggle />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-2xl px-4 py-6">
        {children}
      </main>
    </>
  );
}
