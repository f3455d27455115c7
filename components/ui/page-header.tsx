import type { ReactNode } from "react";

export function PageHeader({ title, lead, actions }: { title: string; lead?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {lead ? <p className="mt-1 text-sm text-muted">{lead}</p> : null}
      </div>
      {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
    </header>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-line p-8 text-center">
      <p className="font-medium">{title}</p>
      {children ? <div className="mt-2 text-sm text-muted">{children}</div> : null}
    </div>
  );
}

const STATUS: Record<string, string> = {
  active: "border-ok text-ok",
  suspended: "border-warn text-warn",
  decommissioned: "border-line text-muted",
  revoked: "border-line text-muted",
  success: "border-ok text-ok",
  failure: "border-danger text-danger",
  denied: "border-warn text-warn",
  enforce: "border-accent text-accent",
  shadow: "border-warn text-warn",
  allow: "border-ok text-ok",
  deny: "border-danger text-danger",
};

export function Badge({ value }: { value: string }) {
  return <span className={`inline-block rounded-full border px-2 py-0.5 text-xs font-medium ${STATUS[value] ?? "border-line text-muted"}`}>{value}</span>;
}
