/** Value syntaxes the fields demand. Pure functions, browser-safe. */

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2}):(\d{2})))?$/;

// PostgreSQL has no year 0 and JS prints years past 9999 with a sign, so bounds are the
// four-digit years both read the same way.
const MIN_MS = new Date(0).setUTCFullYear(1, 0, 1);
const MAX_MS = new Date(0).setUTCFullYear(9999, 11, 31) + 86_400_000 - 1;

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
}

/**
 * RFC 3339 date-time (or a plain date, meaning midnight UTC), as an instant truncated to
 * milliseconds: the view shows ts at that precision, and the live filter sees only that.
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", , sign, oh = "0", om = "0"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const [hour, minute, second] = [Number(h), Number(mi), Number(s)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  // Second 60 is RFC 3339's leap second; like PostgreSQL, it rolls into the next minute.
  if (hour > 23 || minute > 59 || second > 60 || Number(oh) > 23 || Number(om) > 59) return null;
  const millis = Number(frac.slice(0, 3).padEnd(3, "0"));
  const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const local = new Date(0).setUTCFullYear(year, month - 1, day) + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  const ms = local - offset;
  return ms >= MIN_MS && ms <= MAX_MS ? ms : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** A whole number within PostgreSQL's bigint, in canonical form; null otherwise. */
export function parseInteger(text: string): string | null {
  if (!/^-?\d{1,30}$/.test(text)) return null;
  const n = BigInt(text);
  return n >= INT8_MIN && n <= INT8_MAX ? n.toString() : null;
}

// JSON's number grammar; the exponent is capped so PostgreSQL's numeric can always hold it.
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d{1,4})?$/;

export function isJsonNumber(text: string): boolean {
  return JSON_NUMBER.test(text);
}
