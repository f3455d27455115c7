import type { ReactNode } from "react";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-6">
      <div className="rounded-lg border border-line bg-surface p-6 shadow-xl">
        <p className="text-sm font-semibold tracking-wide text-accent">Vigil</p>
        <h1 className="mt-1 text-2xl font-semibold">{title}</h1>
        <div className="mt-4 space-y-4 text-fg">{children}</div>
      </div>
    </main>
  );
}

// Semantic colours (globals.css), so the sign-in pages follow the theme like the console
// and keep its contrast (WCAG AA) in both.
export const buttonBase =
  "w-full rounded-md px-4 py-2 font-medium text-on-accent focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent";
export const buttonClass = `${buttonBase} bg-accent hover:bg-accent-strong`;
