import type { Comparison, QueryNode, Value } from "./ast";
import { compareDecimal } from "./decimal";
import { valueOfType } from "./fields";
import { inetMatches } from "./ip";
import { jsonbText, textAtKey, textAtPath, valueAtPath } from "./json-text";

/**
 * The same query evaluated in memory, for the live stream (server or browser: no node-only
 * imports, no drizzle). Must agree with compile-sql.ts row for row; see its note on NULLs.
 */

/** The API's view of an event (toView in lib/audit/list.ts), as far as queries read it. */
export type MatchableEvent = {
  id: string;
  ts: string;
  kind: string;
  actor: string;
  actor_chain?: string[];
  agent_id: string | null;
  client_id: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  alertname: string | null;
  rule: string | null;
  labels: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
};

const ASCII = /^[\u0000-\u007f]*$/;

/**
 * Lower-case the way PostgreSQL's ILIKE does under a UTF-8 locale: one code point at a
 * time (so no final-sigma context rule), keeping the first code point when Unicode maps
 * to several (İ → i, as towlower does).
 */
export function foldCase(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  let out = "";
  for (const ch of text) out += String.fromCodePoint(ch.toLowerCase().codePointAt(0) ?? 0);
  return out;
}

function contains(haystack: string | null, needle: string): boolean {
  return haystack !== null && foldCase(haystack).includes(foldCase(needle));
}

function textTest(actual: string | null, op: "=" | "~", text: string): boolean {
  return op === "=" ? actual === text : contains(actual, text);
}


/** Sign of a comparison as the range/equality op reads it. */
function ordered(sign: number, op: Exclude<Comparison["op"], "!=" | "~">): boolean {
  switch (op) {
    case "=":
      return sign === 0;
    case ">":
      return sign > 0;
    case ">=":
      return sign >= 0;
    case "<":
      return sign < 0;
    case "<=":
      return sign <= 0;
  }
}

function compareId(id: string, op: Exclude<Comparison["op"], "!=" | "~">, value: Value): boolean {
  if (!/^-?\d+$/.test(id)) return false;
  const a = BigInt(id);
  const b = BigInt(valueOfType(value, "integer").text);
  return ordered(a === b ? 0 : a < b ? -1 : 1, op);
}

function compareMeta(event: MatchableEvent, path: string[], op: Exclude<Comparison["op"], "!=">, value: Value): boolean {
  if (op === "=" || op === "~") return textTest(textAtPath(event.metadata, path), op, value.text);
  const stored = valueAtPath(event.metadata, path);
  if (typeof stored !== "number" || !Number.isFinite(stored)) return false;
  const sign = compareDecimal(String(stored), valueOfType(value, "number").text);
  return sign !== null && ordered(sign, op);
}

function positive(node: Comparison, event: MatchableEvent, op: Exclude<Comparison["op"], "!=">): boolean {
  const { field, value } = node;
  // Same refusals as compile-sql.ts for trees parseQuery would not have made.
  const misuse = () => new TypeError(`query AST: "${op}" on ${field.type === "column" ? field.name : field.type}`);
  if (field.type === "label") {
    if (op !== "=" && op !== "~") throw misuse();
    return textTest(textAtKey(event.labels, field.name), op, value.text);
  }
  if (field.type === "meta") return compareMeta(event, field.path, op, value);
  if (field.name === "ts") {
    if (op === "~") throw misuse();
    const ms = Date.parse(event.ts);
    const at = valueOfType(value, "timestamp").ms;
    return !Number.isNaN(ms) && ordered(ms === at ? 0 : ms < at ? -1 : 1, op);
  }
  if (field.name === "id") {
    if (op === "~") throw misuse();
    return compareId(event.id, op, value);
  }
  if (op !== "=" && op !== "~") throw misuse();
  switch (field.name) {
    case "agent":
      // uuid equality ignores case; PostgreSQL prints uuids lower-case.
      return op === "=" ? event.agent_id?.toLowerCase() === value.text.toLowerCase() : contains(event.agent_id, value.text);
    case "ip":
      if (op === "~") return contains(event.ip, value.text);
      return event.ip !== null && inetMatches(event.ip, valueOfType(value, "ip"));
    case "actor_chain": {
      const chain = event.actor_chain ?? [];
      return op === "=" ? chain.includes(value.text) : chain.length > 0 && contains(chain.join(" "), value.text);
    }
    case "kind":
    case "actor":
    case "outcome":
    case "alertname":
    case "rule":
    case "client_id":
    case "request_id":
      return textTest(event[field.name], op, value.text);
  }
}

/** The columns free text searches; mirrors freeTextLeaf in compile-sql.ts. */
function freeText(event: MatchableEvent, text: string): boolean {
  const columns = [event.kind, event.actor, event.alertname, event.rule, event.client_id, event.request_id];
  if (columns.some((column) => contains(column, text))) return true;
  if (contains(jsonbText(event.metadata), text)) return true;
  return event.labels !== null && contains(jsonbText(event.labels), text);
}

export function matchesEvent(node: QueryNode, event: MatchableEvent): boolean {
  switch (node.type) {
    case "all":
      return true;
    case "not":
      return !matchesEvent(node.child, event);
    case "and":
      return node.children.every((child) => matchesEvent(child, event));
    case "or":
      return node.children.some((child) => matchesEvent(child, event));
    case "text":
      return freeText(event, node.text);
    case "compare":
      return node.op === "!=" ? !positive(node, event, "=") : positive(node, event, node.op);
  }
}
