import { plainDecimal } from "./decimal";

/**
 * PostgreSQL's jsonb reading and printing, re-done in memory so the live stream filters
 * exactly like the database: `->>`, `#>>` and `jsonb::text`.
 */

const encoder = new TextEncoder();

/** jsonb orders object keys by UTF-8 byte length, then bytewise. */
function compareKeys(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** jsonb_out: ", " and ": " separators, sorted keys, numbers in plain notation. */
export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? plainDecimal(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareKeys(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${jsonbText(v)}`).join(", ")}}`;
  }
  return "null";
}

/** The text `->>`/`#>>` yield for a value: strings unquoted, JSON null as SQL NULL. */
function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  return jsonbText(value);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** PostgreSQL reads an array path step with strtol: optional sign, digits, int range; negative counts from the end. */
function arrayStep(array: unknown[], step: string): unknown {
  if (!/^[+-]?\d+$/.test(step)) return undefined;
  const index = Number.parseInt(step, 10);
  if (index < INT32_MIN || index > INT32_MAX) return undefined;
  const at = index >= 0 ? index : array.length + index;
  return at >= 0 && at < array.length ? array[at] : undefined;
}

/** The JSON value at a path (jsonb #>), undefined when absent. */
export function valueAtPath(root: unknown, path: string[]): unknown {
  let current = root;
  for (const step of path) {
    if (Array.isArray(current)) current = arrayStep(current, step);
    else if (current !== null && typeof current === "object" && Object.hasOwn(current, step)) {
      current = (current as Record<string, unknown>)[step];
    } else return undefined;
  }
  return current;
}

/** jsonb #>> path. */
export function textAtPath(root: unknown, path: string[]): string | null {
  return asText(valueAtPath(root, path));
}

/** jsonb ->> key (a text key never indexes an array). */
export function textAtKey(root: unknown, key: string): string | null {
  if (root === null || typeof root !== "object" || Array.isArray(root) || !Object.hasOwn(root, key)) return null;
  return asText((root as Record<string, unknown>)[key]);
}
