// Types for the one helper bench/audit-db.ts (TypeScript, run through tsx) shares.
export function percentile(xs: number[], p: number): number;
