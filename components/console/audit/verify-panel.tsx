"use client";

import { useMutation } from "@tanstack/react-query";
import type { VerifyReport } from "@/lib/audit/checkpoints/verify";
import { btnSecondary } from "@/components/ui/styles";
import { apiGet } from "../api";

/** GET /api/v1/audit/verify: recomputes every checkpoint from the stored events. */
export function VerifyPanel() {
  const verify = useMutation({ mutationFn: () => apiGet<VerifyReport>("/api/v1/audit/verify") });
  const r = verify.data;
  return (
    <section aria-labelledby="verify-title" className="rounded-lg border border-line bg-surface p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="verify-title" className="font-semibold">
          Integrity
        </h2>
        <button type="button" className={btnSecondary} onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? "Verifying…" : "Verify integrity"}
        </button>
      </div>
      <div aria-live="polite" className="mt-2 text-sm" data-testid="verify-result">
        {verify.isError ? <p className="text-danger">Verification could not run: {verify.error.message}</p> : null}
        {r ? (
          <div>
            <p className={r.ok ? "font-semibold text-ok" : "font-semibold text-danger"}>
              {r.ok ? "Intact: every checkpoint matches its events." : "Tampering or loss detected."}
            </p>
            <p className="text-muted">
              Checked {r.checked_checkpoints.toLocaleString("en")} checkpoints and {r.checked_events.toLocaleString("en")} events
              {r.expired_checkpoints ? `; ${r.expired_checkpoints} checkpoints past retention` : ""}; {r.unsealed_events.toLocaleString("en")} events
              not sealed yet.
            </p>
            {r.finding ? <pre className="mt-2 overflow-x-auto rounded bg-surface-2 p-2 text-xs">{JSON.stringify(r.finding, null, 2)}</pre> : null}
          </div>
        ) : !verify.isError ? (
          <p className="text-muted">Recomputes the signed checkpoints from the stored events and names the first mismatch.</p>
        ) : null}
      </div>
    </section>
  );
}
