import type { ReactNode } from "react";

/** What went wrong, announced to screen readers (role="alert") and drawn in the danger colour. */
export function Problem({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="rounded-md border border-danger p-3 text-sm text-danger">
      {children}
    </p>
  );
}
