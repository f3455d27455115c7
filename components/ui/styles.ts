/** Shared class lists: one look for every control, visible focus from globals.css. */
export const btn =
  "inline-flex items-center justify-center gap-1 rounded-md px-3 py-1.5 text-sm font-medium transition disabled:cursor-not-allowed disabled:opacity-50";
export const btnPrimary = `${btn} bg-accent text-on-accent hover:bg-accent-strong`;
export const btnSecondary = `${btn} border border-line bg-surface-2 text-fg hover:border-accent`;
export const btnDanger = `${btn} border border-danger text-danger hover:bg-danger hover:text-bg`;
export const input =
  "w-full rounded-md border border-line bg-surface px-3 py-1.5 text-sm text-fg placeholder:text-muted aria-[invalid=true]:border-danger";
export const label = "block text-sm font-medium text-fg";
export const card = "rounded-lg border border-line bg-surface p-4";
// Underlined always: a link inside text must not be told apart by colour alone (WCAG 1.4.1).
export const link = "text-accent underline underline-offset-2 hover:decoration-2";
export const th = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-muted";
export const td = "px-3 py-2 align-top";
