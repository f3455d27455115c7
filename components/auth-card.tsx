import type { ReactNode } from "react";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-6">
      <div className="rounded-lg border border-slate-800 bg-slate-900 p-6 shadow-xl">
        <p className="text-sm font-semibold tracking-wide text-sky-400">Vigil</p>
        <h1 className="mt-1 text-2xl font-semibold">{title}</h1>
        <div className="mt-4 space-y-4 text-slate-300">{children}</div>
      </div>
    </main>
  );
}

export const buttonClass =
  "w-full rounded-md bg-sky-600 px-4 py-2 font-medium text-white hover:bg-sky-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-300";
