import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { auditEvents as t } from "@/drizzle/audit-events";
import type { Comparison, QueryNode, RangeOp, Value } from "./ast";
import { valueOfType } from "./fields";

/**
 * AST → a WHERE condition on audit_events. Every piece of user text is a bound parameter;
 * field names only select columns from the fixed mapping below, and operators only select
 * fixed SQL fragments.
 *
 * NULL semantics: a missing value (NULL column, absent label or meta path, JSON null) never
 * equals, contains or compares to anything, and `!=` / NOT are the exact complement of the
 * positive test. So `alertname!=X` and `NOT alertname=X` both include rows without an
 * alertname, and `NOT outcome=success` is every other outcome. We compile in negation normal
 * form: NOT is pushed down to the leaves (De Morgan), where a negated leaf that can be NULL
 * becomes `(…) is not true`. Positive leaves stay plain (`agent_id = $1`) so indexes still
 * apply; their NULLs act as false because no NOT sits above them.
 */

type Leaf = { sql: SQL; nullable: boolean };

const RANGE_SQL: Record<RangeOp, SQL> = { ">": sql`>`, "<": sql`<`, ">=": sql`>=`, "<=": sql`<=` };

/** LIKE pattern for "contains": the user's %, _ and \ are literal (backslash is LIKE's default escape). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function textLeaf(column: SQLWrapper, op: "=" | "~", text: string, nullable: boolean): Leaf {
  const condition = op === "=" ? sql`${column} = ${text}` : sql`${column} ilike ${containsPattern(text)}`;
  return { sql: condition, nullable };
}

/** ts at millisecond precision (as the view shows it), written as ranges so the ts index applies. */
function timestampLeaf(op: "=" | RangeOp, ms: number): Leaf {
  const at = sql`${new Date(ms).toISOString()}::timestamptz`;
  const next = sql`(${at} + interval '1 millisecond')`;
  const conditions: Record<"=" | RangeOp, SQL> = {
    "=": sql`(${t.ts} >= ${at} and ${t.ts} < ${next})`,
    ">": sql`${t.ts} >= ${next}`,
    ">=": sql`${t.ts} >= ${at}`,
    "<": sql`${t.ts} < ${at}`,
    "<=": sql`${t.ts} < ${next}`,
  };
  return { sql: conditions[op], nullable: false };
}

/**
 * `col #>> path = text` as containment, `col @> {"a":{"b":v}}` for each JSON value v whose
 * text is `text`, which the GIN (jsonb_path_ops) index answers. Exact on its own for strings
 * and booleans; numbers keep the text test as well; objects, arrays and paths that could
 * index an array keep only the text test, where containment would mean something else.
 */
function jsonEquality(column: SQLWrapper, path: string[], text: string): SQL {
  const steps = sql`${sql.param(path)}::text[]`;
  const exact = sql`(${column} #>> ${steps}) = ${text}`;
  if (path.some((step) => /^\s*[+-]?\d+\s*$/.test(step))) return exact;
  // The text as a JSON string, and (when it is JSON) as that value, parsed by PostgreSQL so
  // numbers keep every digit (JavaScript would round 12345678901234567891).
  const candidates: SQL[] = [sql`to_jsonb(${text}::text)`];
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: only the string form can match.
  }
  if (typeof parsed === "number" || typeof parsed === "boolean") candidates.push(sql`${text}::jsonb`);
  // An object or array matches by its text form only, which containment cannot express.
  else if (parsed !== null && typeof parsed === "object") return exact;
  const nest = (value: SQL) => path.reduceRight((inner, key) => sql`jsonb_build_object(${key}::text, ${inner})`, value);
  const prefilter = sql.join(candidates.map((v) => sql`${column} @> ${nest(v)}`), sql` or `);
  // For a string or a boolean, containment is the exact test: alone it also lets the planner
  // use the column's statistics (with a second condition it guesses "rare" and sorts every
  // match instead of walking an index). A number needs the text test too: 5.0 contains 5.
  if (typeof parsed !== "number") return sql`(${prefilter})`;
  return sql`((${prefilter}) and ${exact})`;
}

function metaLeaf(path: string[], op: "=" | "~" | RangeOp, value: Value): Leaf {
  // One text[] parameter; sql.param keeps drizzle from expanding the array into a list.
  const steps = sql`${sql.param(path)}::text[]`;
  if (op === "=") return { sql: jsonEquality(t.metadata, path, value.text), nullable: true };
  if (op === "~") return textLeaf(sql`(${t.metadata} #>> ${steps})`, op, value.text, true);
  // Numeric only when the stored value is a JSON number; CASE keeps the cast from seeing text.
  const number = valueOfType(value, "number").text;
  return {
    sql: sql`(case when jsonb_typeof(${t.metadata} #> ${steps}) = 'number' then (${t.metadata} #> ${steps})::numeric ${RANGE_SQL[op]} ${number}::numeric else false end)`,
    nullable: false,
  };
}

function comparisonLeaf(node: Comparison, op: Exclude<Comparison["op"], "!=">): Leaf {
  const { field, value } = node;
  if (field.type === "label") {
    if (op !== "=" && op !== "~") throw new TypeError(`query AST: "${op}" on a label`);
    if (op === "=") return { sql: jsonEquality(t.labels, [field.name], value.text), nullable: true };
    return textLeaf(sql`(${t.labels} ->> ${field.name}::text)`, op, value.text, true);
  }
  if (field.type === "meta") return metaLeaf(field.path, op, value);
  if (field.name === "ts") {
    if (op === "~") throw new TypeError('query AST: "~" on ts');
    return timestampLeaf(op, valueOfType(value, "timestamp").ms);
  }
  if (field.name === "id") {
    if (op === "~") throw new TypeError('query AST: "~" on id');
    const id = sql`${valueOfType(value, "integer").text}::bigint`;
    return { sql: op === "=" ? sql`${t.id} = ${id}` : sql`${t.id} ${RANGE_SQL[op]} ${id}`, nullable: false };
  }
  if (op !== "=" && op !== "~") throw new TypeError(`query AST: "${op}" on ${field.name}`);
  switch (field.name) {
    case "agent":
      return op === "="
        ? { sql: sql`${t.agentId} = ${value.text}::uuid`, nullable: true }
        : textLeaf(sql`${t.agentId}::text`, op, value.text, true);
    case "ip": {
      if (op === "~") return textLeaf(sql`abbrev(${t.ip})`, op, value.text, true);
      const ip = valueOfType(value, "ip");
      // A network means containment (<<=, inclusive); a bare address means inet equality.
      return { sql: ip.prefix === null ? sql`${t.ip} = ${ip.text}::inet` : sql`${t.ip} <<= ${ip.text}::inet`, nullable: true };
    }
    case "kind":
      return textLeaf(t.kind, op, value.text, false);
    case "actor":
      return textLeaf(t.actor, op, value.text, false);
    case "actor_chain":
      // An agent anywhere in a delegated caller's chain ("agent:<id>"): array containment,
      // which the GIN index answers; "~" searches the chain's text.
      return op === "="
        ? { sql: sql`${t.actorChain} @> array[${value.text}]::text[]`, nullable: true }
        : textLeaf(sql`array_to_string(${t.actorChain}, ' ')`, op, value.text, true);
    case "outcome":
      return textLeaf(t.outcome, op, value.text, false);
    case "alertname":
      return textLeaf(t.alertname, op, value.text, true);
    case "rule":
      return textLeaf(t.rule, op, value.text, true);
    case "client_id":
      return textLeaf(t.clientId, op, value.text, true);
    case "request_id":
      return textLeaf(t.requestId, op, value.text, true);
  }
}

/** Free text: case-insensitive contains over the text columns and the JSON of metadata and labels. */
function freeTextLeaf(text: string): Leaf {
  const targets = [t.kind, t.actor, t.alertname, t.rule, t.clientId, t.requestId, sql`${t.metadata}::text`, sql`${t.labels}::text`];
  const pattern = containsPattern(text);
  return { sql: sql`(${sql.join(targets.map((target) => sql`${target} ilike ${pattern}`), sql` or `)})`, nullable: true };
}

function compileNode(node: QueryNode, negated: boolean): SQL {
  switch (node.type) {
    case "all":
      return negated ? sql`false` : sql`true`;
    case "not":
      return compileNode(node.child, !negated);
    case "and":
    case "or": {
      const parts = node.children.map((child) => compileNode(child, negated));
      const conjunction = (node.type === "and") !== negated;
      return sql`(${sql.join(parts, conjunction ? sql` and ` : sql` or `)})`;
    }
    case "text":
    case "compare": {
      // a != v is exactly NOT (a = v).
      const flip = node.type === "compare" && node.op === "!=";
      const leaf = node.type === "text" ? freeTextLeaf(node.text) : comparisonLeaf(node, node.op === "!=" ? "=" : node.op);
      if (negated === flip) return leaf.sql;
      return leaf.nullable ? sql`(${leaf.sql}) is not true` : sql`not (${leaf.sql})`;
    }
  }
}

/**
 * The query as a condition for `.where(...)` on audit_events. Meant for WHERE: positive
 * leaves may evaluate to NULL, which WHERE treats as no match; negate the AST, not the SQL.
 */
export function compileQuery(node: QueryNode): SQL {
  return compileNode(node, false);
}
