"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { btnPrimary, btnSecondary, input, label } from "@/components/ui/styles";
import { parseAckLabels } from "@/lib/autoheal/ack-labels";
import { ApiError, apiWrite } from "../api";
import { SILENCES_URL, type AckView } from "./types";

/**
 * Acknowledge an alert: POST /api/ack creates an Alertmanager silence on exactly these
 * labels and answers with its id (recorded as `ack`). Operators and admins only; the server
 * checks autoheal:ack again.
 */
export type AckPrefill = { labels?: string; duration?: string; comment?: string };

/**
 * `prefill` comes from a GET /api/ack link opened from elsewhere (a notification in chat or
 * mail): the API sends such a link here rather than act on it, and one click acknowledges.
 */
/** Alertmanager down or refusing (502), or Vigil briefly unable (503): the same ack may work later. */
const unreachable = (error: Error) => error instanceof ApiError && (error.status === 502 || error.status === 503);

export function AckForm({ prefill = {} }: { prefill?: AckPrefill }) {
  const id = useId();
  const [labels, setLabels] = useState(prefill.labels ?? "");
  const [duration, setDuration] = useState(prefill.duration ?? "1h");
  const [comment, setComment] = useState(prefill.comment ?? "");
  const [touched, setTouched] = useState(false);
  const parsed = parseAckLabels(labels);
  const client = useQueryClient();
  const ack = useMutation({
    mutationFn: (body: { labels: string; duration: string; comment?: string }) => apiWrite<AckView>("POST", "/api/ack", body),
    // The new silence belongs in the Silences list below at once, not at its next poll.
    onSuccess: () => client.invalidateQueries({ queryKey: ["autoheal", SILENCES_URL] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!parsed.ok) return;
    ack.mutate({ labels: JSON.stringify(parsed.labels), duration: duration.trim(), ...(comment.trim() ? { comment: comment.trim() } : {}) });
  };
  const showProblem = touched && !parsed.ok;
  return (
    <form id="ack" onSubmit={submit} aria-labelledby={`${id}-t`} className="space-y-3 rounded-lg border border-line bg-surface p-4" noValidate>
      <h2 id={`${id}-t`} className="font-semibold">
        Acknowledge an alert
      </h2>
      <p className="text-sm text-muted">Creates a silence in Alertmanager on exactly these labels, so the alert stops paging for the duration.</p>
      <div>
        <label htmlFor={`${id}-labels`} className={label}>
          Labels
        </label>
        <textarea
          id={`${id}-labels`}
          rows={3}
          value={labels}
          onChange={(e) => setLabels(e.target.value)}
          onBlur={() => setTouched(true)}
          className={`${input} mt-1 font-mono`}
          placeholder={'alertname=HighCPU\ninstance=web-1\n(or {"alertname":"HighCPU"})'}
          spellCheck={false}
          aria-invalid={showProblem}
          aria-describedby={`${id}-labels-help`}
        />
        <p id={`${id}-labels-help`} className={`mt-1 text-sm ${showProblem ? "text-danger" : "text-muted"}`}>
          {showProblem && !parsed.ok ? parsed.message : "One name=value per line, or a JSON object."}
        </p>
      </div>
      <div className="flex flex-wrap gap-3">
        <div className="w-40">
          <label htmlFor={`${id}-duration`} className={label}>
            Duration
          </label>
          <input id={`${id}-duration`} value={duration} onChange={(e) => setDuration(e.target.value)} className={`${input} mt-1 font-mono`} aria-describedby={`${id}-duration-help`} />
          <p id={`${id}-duration-help`} className="mt-1 text-xs text-muted">
            1m to 30d, e.g. 30m, 2h
          </p>
        </div>
        <div className="min-w-60 flex-1">
          <label htmlFor={`${id}-comment`} className={label}>
            Comment
          </label>
          <input id={`${id}-comment`} value={comment} onChange={(e) => setComment(e.target.value)} className={`${input} mt-1`} placeholder="why, and what happens next" maxLength={1000} />
        </div>
      </div>
      <button type="submit" className={btnPrimary} disabled={ack.isPending}>
        {ack.isPending ? "Creating silence…" : "Acknowledge"}
      </button>
      <div aria-live="polite" data-testid="ack-result" className="text-sm">
        {ack.isError ? (
          <div role="alert" className="space-y-2 text-danger">
            {unreachable(ack.error) ? (
              <>
                <p>
                  <strong>Not silenced.</strong> {ack.error.message}. The alert keeps paging until a silence exists; this attempt
                  is in the audit log as <code className="font-mono">ack_failed</code>.
                </p>
                <button type="button" className={btnSecondary} disabled={ack.isPending} onClick={() => ack.mutate(ack.variables)}>
                  Try again
                </button>
              </>
            ) : (
              <p>{ack.error.message}</p>
            )}
          </div>
        ) : null}
        {ack.data ? (
          <p className="text-ok">
            Silenced for {ack.data.duration} (until {ack.data.ends_at.replace("T", " ").replace(/\.\d+Z$/, "Z")}). Silence id{" "}
            <code className="font-mono" data-testid="silence-id">
              {ack.data.silence_id}
            </code>
          </p>
        ) : null}
      </div>
    </form>
  );
}
