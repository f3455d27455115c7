import { and, eq, isNotNull } from "drizzle-orm";
import { signingKeys } from "@/drizzle/schema";
import { commit, type EventDraft } from "@/lib/audit/commit";
import type { MachineCtx } from "@/lib/context";
import { UnsealError, sealPrivateKey, unsealPrivateKey } from "@/lib/keys/seal";
import { serverKeys } from "@/lib/keys/server-secrets";

export type ResealReport = {
  /** Keys now sealed under the current AUTH_SECRET by this call, and the version each was sealed under before. */
  resealed: { kid: string; from_version: string }[];
  /** Keys already sealed under the current AUTH_SECRET. */
  current: number;
  /** Keys no configured secret opens: the version each names ("legacy": from before versions). */
  unopenable: { kid: string; version: string }[];
};

/**
 * Seals again, under the current AUTH_SECRET, every signing key sealed under a previous one
 * (or before secrets had versions), so the previous secret stops being needed for them. Run
 * at start and by `npm run secrets:reseal`. `WHERE sealed = what was read`: replicas starting
 * together each try, one write lands, the others change and record nothing.
 */
export async function resealSigningKeys(ctx: MachineCtx): Promise<ResealReport> {
  // no-scope: start-up and operator command work on the server's own secrets; no caller to check.
  const rows = await ctx.db
    .select({ kid: signingKeys.kid, sealed: signingKeys.privateKeySealed })
    .from(signingKeys)
    .where(isNotNull(signingKeys.privateKeySealed));
  const report: ResealReport = { resealed: [], current: 0, unopenable: [] };
  const stale: { kid: string; sealed: string; fresh: string; from: string }[] = [];
  for (const row of rows) {
    if (!row.sealed) continue;
    try {
      const opened = unsealPrivateKey(row.sealed);
      if (!opened.stale) report.current += 1;
      else stale.push({ kid: row.kid, sealed: row.sealed, fresh: sealPrivateKey(opened.value), from: opened.version });
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      report.unopenable.push({ kid: row.kid, version: error.version });
    }
  }
  if (stale.length === 0) return report;
  const to = serverKeys().version;
  report.resealed = await commit(ctx, async (tx) => {
    const done: ResealReport["resealed"] = [];
    const events: EventDraft[] = [];
    for (const key of stale) {
      const [row] = await tx
        .update(signingKeys)
        .set({ privateKeySealed: key.fresh })
        .where(and(eq(signingKeys.kid, key.kid), eq(signingKeys.privateKeySealed, key.sealed)))
        .returning({ kid: signingKeys.kid });
      if (!row) continue;
      done.push({ kid: key.kid, from_version: key.from });
      events.push({ kind: "key.resealed", outcome: "success", metadata: { kid: key.kid, from_version: key.from, to_version: to } });
    }
    return { value: done, events };
  });
  // A key another instance re-sealed first is current now all the same.
  report.current += stale.length - report.resealed.length;
  return report;
}
