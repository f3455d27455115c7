/** What the commands print: aligned tables and key/value blocks for people, JSON for scripts. */
export type Io = {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (progress redraws a line only there). */
  errIsTty: boolean;
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream;
};

export type Column<T> = { header: string; value: (row: T) => unknown; max?: number };

/** One cell as text on one line: "-" for nothing, lists joined, objects as compact JSON. */
export function cell(value: unknown, max = 60): string {
  let text: string;
  if (value === null || value === undefined || value === "") text = "-";
  else if (Array.isArray(value)) text = value.length === 0 ? "-" : value.map((v) => cell(v, Infinity)).join(",");
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  // A log holds attacker-chosen text: no control characters reach the terminal.
  text = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (parts: string[]) =>
    parts
      .map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join("\n") + "\n";
}

/** "key: value" lines, keys aligned; nested objects as compact JSON. */
export function keyValues(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${`${k}:`.padEnd(width + 1)} ${cell(record[k], 200)}`).join("\n") + "\n";
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Progress for long operations, on stderr: redrawn in place on a terminal, and only the
 * final line otherwise (a log file gets one line, not hundreds).
 */
export function progress(io: Io) {
  let shown = false;
  return {
    update(text: string) {
      if (!io.errIsTty) return;
      io.err(`\r\u001b[2K${text}`);
      shown = true;
    },
    done(text: string) {
      io.err(`${shown ? "\r\u001b[2K" : ""}${text}\n`);
      shown = false;
    },
  };
}
