"use client";

import { input, label } from "@/components/ui/styles";

/** A labelled <select> with its hint, or the API's problem with it, below. */
export function SelectField({
  id,
  text,
  value,
  options,
  onChange,
  problem,
  hint,
}: {
  id: string;
  text: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
  problem: string | null;
  hint: string;
}) {
  return (
    <div>
      <label htmlFor={id} className={label}>
        {text}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className={`${input} mt-1`} aria-invalid={problem !== null} aria-describedby={`${id}-help`}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <p id={`${id}-help`} className={`mt-1 text-xs ${problem ? "text-danger" : "text-muted"}`}>
        {problem ?? hint}
      </p>
    </div>
  );
}
