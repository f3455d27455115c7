"use client";

import { useQuery } from "@tanstack/react-query";
import { diffLines } from "diff";
import { useId, useMemo } from "react";
import { input, label } from "@/components/ui/styles";
import { apiGet } from "../api";
import { setUrl, type PolicyVersion, type VersionSummary } from "./types";

type Line = { sign: "+" | "-" | " "; text: string };

function diffOf(from: string, to: string): Line[] {
  const out: Line[] = [];
  for (const part of diffLines(from, to)) {
    const sign = part.added ? "+" : part.removed ? "-" : " ";
    const body = part.value.endsWith("\n") ? part.value.slice(0, -1) : part.value;
    for (const text of body.split("\n")) out.push({ sign, text });
  }
  return out;
}

const versionQuery = (name: string, version: number) => ({
  queryKey: ["policies", "version", name, version],
  queryFn: () => apiGet<PolicyVersion>(`${setUrl(name)}/versions/${version}`),
  // A saved version never changes.
  staleTime: Infinity,
});

/** Two versions of a set side by side as one line diff: what changed between them, and the comment that said why. */
export function VersionDiff({ name, versions, from, to, onPick }: { name: string; versions: VersionSummary[]; from: number; to: number; onPick: (from: number, to: number) => void }) {
  const id = useId();
  const a = useQuery(versionQuery(name, from));
  const b = useQuery(versionQuery(name, to));
  const lines = useMemo(() => (a.data && b.data ? diffOf(a.data.text, b.data.text) : null), [a.data, b.data]);
  const changed = lines?.filter((l) => l.sign !== " ").length ?? 0;
  const options = versions.map((v) => (
    <option key={v.version} value={v.version}>
      {v.version} — {v.comment.slice(0, 60)}
    </option>
  ));
  return (
    <div className="space-y-2" data-testid="version-diff">
      <div className="flex flex-wrap gap-3">
        <div>
          <label htmlFor={`${id}-from`} className={label}>
            From version
          </label>
          <select id={`${id}-from`} className={`${input} mt-1 w-auto`} value={from} onChange={(e) => onPick(Number(e.target.value), to)}>
            {options}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-to`} className={label}>
            To version
          </label>
          <select id={`${id}-to`} className={`${input} mt-1 w-auto`} value={to} onChange={(e) => onPick(from, Number(e.target.value))}>
            {options}
          </select>
        </div>
      </div>
      {a.error || b.error ? <p className="text-sm text-danger">Could not read a version: {(a.error ?? b.error)?.message}</p> : null}
      {a.data && b.data && (a.data.mode !== b.data.mode || a.data.routes.join() !== b.data.routes.join() || a.data.headers.join() !== b.data.headers.join()) ? (
        <p className="text-sm text-muted" data-testid="diff-settings">
          {a.data.mode !== b.data.mode ? `Mode ${a.data.mode} → ${b.data.mode}. ` : null}
          {a.data.routes.join() !== b.data.routes.join() ? `Routes ${a.data.routes.join(" ") || "none"} → ${b.data.routes.join(" ") || "none"}. ` : null}
          {a.data.headers.join() !== b.data.headers.join() ? `Headers ${a.data.headers.join(" ") || "none"} → ${b.data.headers.join(" ") || "none"}.` : null}
        </p>
      ) : null}
      {lines === null ? (
        <p className="text-sm text-muted">Reading the versions…</p>
      ) : (
        <>
          <p className="text-xs text-muted" data-testid="diff-summary">
            {from === to ? "The same version." : changed === 0 ? "The policy text is the same." : `${changed} line${changed === 1 ? "" : "s"} changed.`}
          </p>
          <pre className="max-h-96 overflow-auto rounded-md border border-line bg-surface-2 py-2 font-mono text-xs leading-5" aria-label={`Changes from version ${from} to version ${to}`}>
            {lines.map((l, n) => (
              <div key={n} className={`px-3 ${l.sign === "+" ? "bg-ok/10 text-ok" : l.sign === "-" ? "bg-danger/10 text-danger" : ""}`} data-testid="diff-line" data-sign={l.sign === " " ? "same" : l.sign === "+" ? "added" : "removed"}>
                {l.sign} {l.text}
              </div>
            ))}
          </pre>
        </>
      )}
    </div>
  );
}
