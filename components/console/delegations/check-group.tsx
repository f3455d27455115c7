"use client";

import type { ReactNode } from "react";

/**
 * A labelled group of checkboxes (a fieldset), with its hint or the API's problem with it
 * below, announced with the group.
 */
export function CheckGroup({
  id,
  legend,
  options,
  chosen,
  onToggle,
  problem,
  hint,
  empty,
}: {
  id: string;
  legend: string;
  options: string[];
  chosen: ReadonlySet<string>;
  onToggle: (value: string) => void;
  problem: string | null;
  hint: ReactNode;
  empty: ReactNode;
}) {
  return (
    <fieldset aria-describedby={`${id}-help`} aria-invalid={problem !== null} className="min-w-0">
      <legend className="text-sm font-medium text-fg">{legend}</legend>
      {options.length === 0 ? (
        <p className="mt-1 text-sm text-muted">{empty}</p>
      ) : (
        <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {options.map((value) => (
            <li key={value}>
              <label className="inline-flex items-center gap-2 break-all font-mono text-sm">
                <input type="checkbox" checked={chosen.has(value)} onChange={() => onToggle(value)} className="accent-accent" />
                {value}
              </label>
            </li>
          ))}
        </ul>
      )}
      <p id={`${id}-help`} className={`mt-1 text-xs ${problem ? "text-danger" : "text-muted"}`}>
        {problem ?? hint}
      </p>
    </fieldset>
  );
}
