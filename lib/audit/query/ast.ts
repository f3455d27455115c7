/**
 * The audit query language's syntax tree. Plain JSON-safe data (no classes, no bigint) so
 * a parsed query can be logged, cached or handed to the browser as is.
 */

/** 0-based offsets into the query, end exclusive (as for String.prototype.slice). */
export type Span = { start: number; end: number };

export type ColumnName =
  | "kind"
  | "alertname"
  | "agent"
  | "actor"
  | "actor_chain"
  | "outcome"
  | "ip"
  | "request_id"
  | "rule"
  | "client_id"
  | "ts"
  | "id";

export type Field =
  | { type: "column"; name: ColumnName }
  /** labels ->> name */
  | { type: "label"; name: string }
  /** metadata #>> path: object keys, or array indexes for arrays (as PostgreSQL reads them). */
  | { type: "meta"; path: string[] };

export type CompareOp = "=" | "!=" | "~" | ">" | "<" | ">=" | "<=";
export type RangeOp = ">" | "<" | ">=" | "<=";

export type IpAddress = { family: 4 | 6; bytes: number[] };

/** A comparison's right-hand side, already validated and normalised for its field. */
export type Value =
  | { type: "text"; text: string }
  /** ms: the instant, truncated to whole milliseconds (the precision the API shows). */
  | { type: "timestamp"; text: string; ms: number }
  /** text: canonical decimal integer (no "+", no leading zeros), within bigint range. */
  | { type: "integer"; text: string }
  /** text: a JSON number literal (meta.* range comparisons). */
  | { type: "number"; text: string }
  /** prefix: null for a single address (compared with =), a number for a CIDR network. */
  | { type: "ip"; text: string; address: IpAddress; prefix: number | null };

export type Comparison = { type: "compare"; field: Field; op: CompareOp; value: Value; span: Span };

/** A bare word or quoted string without a field: case-insensitive search over several columns. */
export type FreeText = { type: "text"; text: string; span: Span };

export type QueryNode =
  | { type: "and"; children: QueryNode[]; span: Span }
  | { type: "or"; children: QueryNode[]; span: Span }
  | { type: "not"; child: QueryNode; span: Span }
  | Comparison
  | FreeText
  /** The empty query: matches every event. */
  | { type: "all"; span: Span };
