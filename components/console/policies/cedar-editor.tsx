"use client";

import { useMemo } from "react";
import { cedarLines, type CedarTokenKind } from "@/lib/console/cedar-tokens";
import type { PolicyProblem } from "./types";

const COLOUR: Record<CedarTokenKind, string> = {
  keyword: "font-semibold text-accent",
  string: "text-ok",
  comment: "italic text-muted",
  annotation: "text-warn",
  entity: "text-warn",
  type: "text-accent-strong",
  literal: "text-danger",
  plain: "",
};

// The textarea and its coloured copy share one box model: the same font, size, line height
// and padding, so each character of the copy sits exactly under the caret's character.
const TEXT = "m-0 whitespace-pre px-3 py-2 font-mono text-sm leading-6 tracking-normal";

/**
 * A plain <textarea> (native editing, undo, selection, screen readers) with transparent text,
 * laid over a <pre> holding the same text in coloured spans: highlighting without an editor
 * library, and nothing that needs an inline script or style. Both sit in one grid cell that
 * the <pre> sizes, so the textarea never scrolls on its own; the frame around them does.
 * Lines with a problem are underlined and marked in the gutter.
 */
export function CedarEditor({
  id,
  value,
  onChange,
  readOnly,
  problems,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  readOnly: boolean;
  problems: PolicyProblem[];
  describedBy: string;
}) {
  const lines = useMemo(() => cedarLines(value), [value]);
  const bad = useMemo(() => new Set(problems.map((p) => p.line)), [problems]);
  return (
    <div className="max-h-[32rem] overflow-auto rounded-md border border-line bg-surface focus-within:ring-2 focus-within:ring-accent" data-testid="cedar-editor">
      <div className="flex min-w-max">
        <ol aria-hidden="true" className="select-none border-r border-line bg-surface-2 py-2 font-mono text-sm leading-6 text-muted">
          {lines.map((_, n) => (
            <li
              key={n}
              className={`min-h-6 px-2 text-right tabular-nums ${bad.has(n + 1) ? "font-bold text-danger" : ""}`}
              data-testid={bad.has(n + 1) ? "problem-marker" : undefined}
              data-line={n + 1}
            >
              {bad.has(n + 1) ? "● " : ""}
              {n + 1}
            </li>
          ))}
        </ol>
        <div className="grid min-w-[40rem] flex-1">
          <pre aria-hidden="true" className={`${TEXT} pointer-events-none [grid-area:1/1] text-fg`} data-testid="cedar-highlight">
            {lines.map((line, n) => (
              <div key={n} className={`min-h-6 ${bad.has(n + 1) ? "bg-danger/10 underline decoration-danger decoration-wavy" : ""}`} data-line={n + 1}>
                {line.map((t, k) =>
                  t.kind === "plain" ? (
                    t.text
                  ) : (
                    <span key={k} className={COLOUR[t.kind]} data-token={t.kind}>
                      {t.text}
                    </span>
                  ),
                )}
              </div>
            ))}
          </pre>
          <textarea
            id={id}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            readOnly={readOnly}
            wrap="off"
            rows={1}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            aria-invalid={problems.length > 0}
            aria-describedby={describedBy}
            className={`${TEXT} h-full w-full resize-none overflow-hidden border-0 bg-transparent text-transparent caret-fg outline-none [grid-area:1/1] selection:bg-accent/30`}
          />
        </div>
      </div>
    </div>
  );
}
