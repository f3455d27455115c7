// The fuzz corpus: seeded (the same hostile inputs every run), shared by the parser/SQL fuzz
// test and the HTTP one. Not shipped: only tests import it.
import { AGENT_A } from "./sample-events";

/** mulberry32: small, seeded, good enough to make the same hostile inputs every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(0x5eed);
const int = (n: number) => Math.floor(random() * n);
function pick<T>(items: readonly T[]): T {
  const item = items[int(items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}
const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
const randomCase = (s: string) => [...s].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join("");

export const HOSTILE = [
  "'; drop table audit_events; --",
  "\"; drop table audit_events; --",
  "kind=x); drop table audit_events; --",
  "kind='x' OR '1'='1'",
  "' OR 1=1 --",
  "1; select pg_sleep(10)",
  "$1",
  "$$ $tag$ E'\\x00'",
  "meta.a'b=1",
  "label.\");drop table x;--=1",
  "meta.a.b\\\"c=1",
  "%",
  "_",
  "\\",
  "\\\\",
  '"',
  '"""',
  '"\\"',
  "\u0000",
  "a\u0000b",
  "\ud800",
  "😀",
  "((((((",
  "))))))",
  "NOT",
  "AND OR NOT",
  "kind=",
  "=",
  "!=!=",
  "~~",
  "<>",
  "::",
  "/**/",
];

const FIELDS = ["kind", "alertname", "agent", "agent_id", "actor", "outcome", "ip", "request_id", "rule", "client_id", "ts", "id"];
const EXTRA_FIELDS = ["label.severity", "label.team", "label.app.kubernetes.io/name", "meta.reason", "meta.request.aud", "meta.request.depth.n", "meta.attempts", "meta.list.-1.three", "meta.list.0", "meta.big", "user_agent", "labels.x", "meta.", "label.", "metadata", "select", "1"];
const OPS = ["=", "!=", "~", ">", "<", ">=", "<="];
const VALUES = [
  "action_fail",
  "HighCPU",
  "success",
  "denied",
  "failure",
  "critical",
  "token",
  AGENT_A,
  AGENT_A.toUpperCase(),
  "10.0.0.0/8",
  "10.0.0.5",
  "::ffff:10.0.0.0/104",
  "2001:db8::/32",
  "::",
  "2026-11-01",
  "2026-11-01T00:00:00Z",
  "2026-11-01T00:00:00.0005+01:00",
  "9999-12-31T23:59:59.999Z",
  "0001-01-01T00:00:00Z",
  "5",
  "-9223372036854775808",
  "9223372036854775807",
  "2.5",
  "1e9999",
  "-1e-9999",
  "0",
  "état",
  "ΣΑΣ",
  "İ",
  "%",
  "_",
  "a%b",
];
const ALPHABET = [..."abcXYZ019 \t\n()\"\\=!~<>.-:/%_'; ", "é", "Ω", "😀", "\u0000", "\u0007", "\ud800", "\u00a0", "\u3000"];

function charSoup(max: number): string {
  let s = "";
  const n = int(max);
  for (let i = 0; i < n; i += 1) s += pick(ALPHABET);
  return s;
}

function value(): string {
  const v = random() < 0.8 ? pick(VALUES) : random() < 0.5 ? pick(HOSTILE) : charSoup(12);
  return random() < 0.4 || /[\s()"=!~<>]/.test(v) ? quote(v) : v;
}

/** Values that suit a field, so most grammar-built queries get past validation. */
function fittingValue(field: string): string {
  const pools: Record<string, string[]> = {
    ts: ["2026-11-01", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00.0005+01:00", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", '"2026-11-04 12:00:00-03:00"'],
    id: ["5", "0", "-9223372036854775808", "9223372036854775807", "007"],
    agent: [AGENT_A, AGENT_A.toUpperCase(), "00000000-0000-0000-0000-000000000000"],
    ip: ["10.0.0.0/8", "10.0.0.5", "::ffff:10.0.0.0/104", "2001:db8::/32", "::", "0.0.0.0/0", "192.168.1.11"],
    outcome: ["success", "denied", "failure"],
    meta: ["2.5", "1e9999", "-1e-9999", "0", "7", "3"],
  };
  const pool = pools[field.startsWith("meta.") ? "meta" : field === "agent_id" ? "agent" : field];
  return pool && random() < 0.85 ? pick(pool) : value();
}

function term(): string {
  if (random() < 0.2) return random() < 0.5 ? quote(pick([...VALUES, ...HOSTILE])) : pick(["restart", "infra", "example.com", "état", "drop"]);
  const field = random() < 0.75 ? pick(FIELDS) : pick(EXTRA_FIELDS);
  const ranged = field === "ts" || field === "id" || field.startsWith("meta.");
  const op = random() < 0.85 ? pick(ranged ? OPS.filter((o) => o !== "~" || field.startsWith("meta.")) : ["=", "!=", "~"]) : pick(OPS);
  const rhs = op === "~" && random() < 0.7 ? value() : fittingValue(field);
  return `${random() < 0.1 ? randomCase(field) : field}${random() < 0.2 ? " " : ""}${op}${rhs}`;
}

/** Mostly well-formed queries from the grammar, with the odd keyword case or missing piece. */
function expression(depth: number): string {
  const roll = random();
  if (depth > 4 || roll < 0.35) return term();
  if (roll < 0.5) return `${randomCase("not")} ${expression(depth + 1)}`;
  if (roll < 0.65) return `(${expression(depth + 1)})`;
  const joiner = pick([" AND ", " or ", " ", " And ", " OR "]);
  return `${expression(depth + 1)}${joiner}${expression(depth + 1)}`;
}

/** Random token streams: the grammar's pieces in any order. */
function tokenSoup(): string {
  const pieces = ["(", ")", "AND", "or", "NOT", ...OPS, ...FIELDS, ...HOSTILE];
  return Array.from({ length: 1 + int(15) }, () => (random() < 0.3 ? value() : pick(pieces))).join(random() < 0.7 ? " " : "");
}

/** Thousands of grammar-built, token-soup, character-soup and oversized query strings. */
export function corpus(): string[] {
  const inputs = [...HOSTILE];
  for (let i = 0; i < 1800; i += 1) inputs.push(expression(0));
  for (let i = 0; i < 800; i += 1) inputs.push(tokenSoup());
  for (let i = 0; i < 800; i += 1) inputs.push(charSoup(40));
  for (let i = 0; i < 30; i += 1) {
    const n = 1 + int(3000);
    inputs.push("(".repeat(n) + term() + ")".repeat(int(n + 2)));
    inputs.push(`${"NOT ".repeat(1 + int(100))}${term()}`);
    inputs.push(Array.from({ length: 40 + int(40) }, term).join(" "));
    inputs.push(charSoup(10_000));
    inputs.push(pick(HOSTILE).repeat(1 + int(400)));
  }
  return inputs;
}

