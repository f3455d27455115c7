"use client";

import { input, label } from "@/components/ui/styles";

/** A labelled input, or a textarea when `rows` is given, with its hint or the API's problem with it below. */
export function TextField({
  id,
  text,
  value,
  onChange,
  hint,
  problem = null,
  rows,
  readOnly = false,
  placeholder,
}: {
  id: string;
  text: string;
  value: string;
  onChange: (value: string) => void;
  hint: string;
  problem?: string | null;
  rows?: number;
  readOnly?: boolean;
  placeholder?: string;
}) {
  const shared = {
    id,
    value,
    readOnly,
    placeholder,
    "aria-invalid": problem !== null,
    "aria-describedby": `${id}-help`,
    className: `${input} mt-1 ${rows ? "font-mono" : ""}`,
  };
  return (
    <div>
      <label htmlFor={id} className={label}>
        {text}
      </label>
      {rows ? (
        <textarea {...shared} rows={rows} spellCheck={false} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...shared} type="text" spellCheck={false} onChange={(e) => onChange(e.target.value)} />
      )}
      <p id={`${id}-help`} className={`mt-1 text-xs ${problem ? "text-danger" : "text-muted"}`}>
        {problem ?? hint}
      </p>
    </div>
  );
}
