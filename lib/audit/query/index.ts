/**
 * The audit-log query language (GET /api/v1/audit?q=...): parse once, then either compile
 * to SQL for the store or match events in memory for the live stream. Browser code should
 * import ./parser and ./match-event directly: this index also pulls in drizzle.
 */
export type {
  ColumnName,
  CompareOp,
  Comparison,
  Field,
  FreeText,
  IpAddress,
  QueryNode,
  RangeOp,
  Span,
  Value,
} from "./ast";
export { compileQuery } from "./compile-sql";
export { QuerySyntaxError } from "./errors";
export { matchesEvent, type MatchableEvent } from "./match-event";
export { MAX_DEPTH, MAX_QUERY_LENGTH, MAX_TERMS, parseQuery } from "./parser";
