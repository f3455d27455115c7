/**
 * Exact decimal handling for JSON numbers, so in-memory matching agrees with PostgreSQL's
 * numeric (which jsonb uses) rather than with binary doubles.
 */

type Decimal = { negative: boolean; digits: string; exponent: number };

const NUMBER = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** digits without leading/trailing zeros; value = 0.digits × 10^exponent. Null if not a number. */
function parseDecimal(text: string): Decimal | null {
  const m = NUMBER.exec(text);
  if (!m) return null;
  const [, sign, int = "", frac = "", exp = "0"] = m;
  const all = int + frac;
  const lead = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(lead).replace(/0+$/, "");
  if (digits === "") return { negative: false, digits: "", exponent: 0 };
  return { negative: sign === "-", digits, exponent: int.length - lead + Number.parseInt(exp, 10) };
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.digits === "" || b.digits === "") return a.digits === b.digits ? 0 : a.digits === "" ? -1 : 1;
  if (a.exponent !== b.exponent) return a.exponent < b.exponent ? -1 : 1;
  const width = Math.max(a.digits.length, b.digits.length);
  const x = a.digits.padEnd(width, "0");
  const y = b.digits.padEnd(width, "0");
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Sign of a − b for two number literals (JSON grammar, or JS's String(number) output). */
export function compareDecimal(a: string, b: string): number | null {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return null;
  const xSign = x.digits === "" ? 0 : x.negative ? -1 : 1;
  const ySign = y.digits === "" ? 0 : y.negative ? -1 : 1;
  if (xSign !== ySign) return xSign < ySign ? -1 : 1;
  const magnitude = compareMagnitude(x, y);
  return xSign < 0 ? -magnitude : magnitude;
}

/**
 * How PostgreSQL prints a jsonb number that JavaScript wrote: plain notation, never an
 * exponent (1e21 → "1000000000000000000000", 1.5e-7 → "0.00000015").
 */
export function plainDecimal(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  const d = parseDecimal(text);
  if (!d || d.digits === "") return "0";
  const sign = d.negative ? "-" : "";
  if (d.exponent <= 0) return `${sign}0.${"0".repeat(-d.exponent)}${d.digits}`;
  if (d.exponent >= d.digits.length) return `${sign}${d.digits}${"0".repeat(d.exponent - d.digits.length)}`;
  return `${sign}${d.digits.slice(0, d.exponent)}.${d.digits.slice(d.exponent)}`;
}
