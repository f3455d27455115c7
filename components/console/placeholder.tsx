import type { ReactNode } from "react";
import { PageHeader } from "@/components/ui/page-header";

/** A page whose API is being built elsewhere: says so instead of showing made-up data. */
export function Placeholder({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <PageHeader title={title} />
      <section className="rounded-lg border border-dashed border-warn p-6" aria-labelledby="not-yet">
        <h2 id="not-yet" className="font-semibold text-warn">
          Not built yet
        </h2>
        <div className="mt-2 space-y-2 text-sm text-muted">{children}</div>
      </section>
    </>
  );
}
