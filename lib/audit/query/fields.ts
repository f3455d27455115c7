import type { ColumnName, CompareOp, Field, Value } from "./ast";
import { parseInet } from "./ip";
import { isJsonNumber, isUuid, parseInteger, parseTimestamp } from "./values";

/** The whitelist: a query can name these and nothing else. */
export const COLUMN_NAMES: readonly ColumnName[] = [
  "kind",
  "alertname",
  "agent",
  "actor",
  "actor_chain",
  "outcome",
  "ip",
  "request_id",
  "rule",
  "client_id",
  "ts",
  "id",
];

// The API view calls the column agent_id; accept that spelling too.
const ALIASES: Record<string, ColumnName> = { agent_id: "agent" };

export const VALID_FIELDS = [...COLUMN_NAMES, "label.NAME", "meta.PATH"].join(", ");

const OUTCOMES = ["success", "failure", "denied"];
const RANGE_OPS: readonly CompareOp[] = [">", "<", ">=", "<="];

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function isColumn(name: string): name is ColumnName {
  return (COLUMN_NAMES as readonly string[]).includes(name);
}

export function resolveField(name: string): Checked<Field> {
  const lower = name.toLowerCase();
  if (lower.startsWith("label.")) {
    const label = name.slice("label.".length);
    if (label === "") return fail('"label." needs a label name, e.g. label.severity');
    return { ok: true, value: { type: "label", name: label } };
  }
  if (lower.startsWith("meta.")) {
    const path = name.slice("meta.".length).split(".");
    if (path.some((step) => step === "")) return fail(`${shown(name)} has an empty path step; write e.g. meta.reason or meta.request.aud`);
    return { ok: true, value: { type: "meta", path } };
  }
  const column = ALIASES[lower] ?? lower;
  if (isColumn(column)) return { ok: true, value: { type: "column", name: column } };
  return fail(`unknown field ${shown(name)}; valid fields: ${VALID_FIELDS}`);
}

export function fieldLabel(field: Field): string {
  if (field.type === "column") return field.name;
  return field.type === "label" ? `label.${field.name}` : `meta.${field.path.join(".")}`;
}

/** Whether op may be used with field at all; the error names what to use instead. */
export function checkOperator(field: Field, op: CompareOp): string | null {
  const name = field.type === "column" ? field.name : field.type;
  if (RANGE_OPS.includes(op) && name !== "ts" && name !== "id" && name !== "meta") {
    return `"${op}" applies only to ts, id and meta.* fields; ${fieldLabel(field)} takes =, != or ~`;
  }
  if (op === "~" && (name === "ts" || name === "id")) {
    return `"~" does not apply to ${name}; use =, !=, >, <, >= or <=`;
  }
  return null;
}

/** Validates and normalises the value text for field and op (the operator is already allowed). */
export function buildValue(field: Field, op: CompareOp, text: string): Checked<Value> {
  const textValue: Checked<Value> = { ok: true, value: { type: "text", text } };
  if (op === "~") return text === "" ? fail('"~" needs a non-empty value') : textValue;
  if (field.type === "meta") {
    if (!RANGE_OPS.includes(op)) return textValue;
    if (!isJsonNumber(text)) return fail(`"${op}" on ${fieldLabel(field)} needs a number, not ${shown(text)}`);
    return { ok: true, value: { type: "number", text } };
  }
  if (field.type === "label") return textValue;
  switch (field.name) {
    case "ts": {
      const ms = parseTimestamp(text);
      if (ms === null) {
        return fail(`ts needs an RFC 3339 timestamp such as 2026-11-01T00:00:00Z (or a date such as 2026-11-01), not ${shown(text)}`);
      }
      return { ok: true, value: { type: "timestamp", text, ms } };
    }
    case "id": {
      const canonical = parseInteger(text);
      if (canonical === null) return fail(`id needs a whole number, not ${shown(text)}`);
      return { ok: true, value: { type: "integer", text: canonical } };
    }
    case "agent":
      return isUuid(text) ? textValue : fail(`agent needs a UUID such as 4f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b, not ${shown(text)}`);
    case "ip": {
      const inet = parseInet(text);
      if (!inet) return fail(`ip needs an IP address or CIDR network such as 10.0.0.0/8, not ${shown(text)}`);
      return { ok: true, value: { type: "ip", text, address: inet.address, prefix: inet.prefix } };
    }
    case "outcome":
      return OUTCOMES.includes(text) ? textValue : fail(`outcome is one of ${OUTCOMES.join(", ")}, not ${shown(text)}`);
    default:
      return textValue;
  }
}

/** Narrows a comparison's value; an AST not made by parseQuery may break the pairing. */
export function valueOfType<T extends Value["type"]>(value: Value, type: T): Extract<Value, { type: T }> {
  if (value.type !== type) throw new TypeError(`query AST: expected a ${type} value, got ${value.type}`);
  return value as Extract<Value, { type: T }>;
}
