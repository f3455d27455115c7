import type { QueryNode, Span } from "./ast";
import { QuerySyntaxError } from "./errors";
import { buildValue, checkOperator, resolveField } from "./fields";
import { tokenize, type Token } from "./lexer";

export const MAX_QUERY_LENGTH = 2000;
export const MAX_DEPTH = 32;
export const MAX_TERMS = 64;
// Free text is the costly term (ILIKE over several columns and the JSON text of each row).
export const MAX_FREE_TEXT = 8;

type Keyword = "AND" | "OR" | "NOT";

function keywordOf(token: Token): Keyword | null {
  if (token.type !== "word") return null;
  const upper = token.text.toUpperCase();
  return upper === "AND" || upper === "OR" || upper === "NOT" ? upper : null;
}

function describeToken(token: Token): string {
  switch (token.type) {
    case "word":
      return `"${token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text}"`;
    case "string":
      return "a quoted string";
    case "op":
      return `"${token.op}"`;
    case "lparen":
      return '"("';
    case "rparen":
      return '")"';
    case "eof":
      return "the end of the query";
  }
}

const cover = (first: { span: Span }, last: { span: Span }): Span => ({ start: first.span.start, end: last.span.end });

/**
 * Recursive descent over: or := and (OR and)* ; and := unary ((AND)? unary)* ;
 * unary := NOT unary | primary ; primary := "(" or ")" | field op value | text.
 * Recursion is bounded by MAX_DEPTH, so no input can exhaust the stack.
 */
class Parser {
  private index = 0;
  private terms = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(ahead = 0): Token {
    const last = this.tokens[this.tokens.length - 1];
    const token = this.tokens[this.index + ahead] ?? last;
    if (!token) throw new Error("token stream without eof");
    return token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.type !== "eof") this.index += 1;
    return token;
  }

  private startsTerm(token: Token): boolean {
    const keyword = keywordOf(token);
    if (keyword) return keyword === "NOT";
    return token.type === "word" || token.type === "string" || token.type === "lparen";
  }

  /** The error for a token that cannot start a term, after `after` (a keyword or "(") if given. */
  private notATerm(token: Token, after: string | null): QuerySyntaxError {
    const at = token.span.start;
    if (token.type === "op") return new QuerySyntaxError(at, `expected a field name before "${token.op}"`);
    const keyword = keywordOf(token);
    if (after === null) {
      if (token.type === "rparen") return new QuerySyntaxError(at, 'unbalanced ")"');
      if (keyword) return new QuerySyntaxError(at, `expected a term before ${describeToken(token)}`);
      return new QuerySyntaxError(at, `expected a term, found ${describeToken(token)}`);
    }
    if (token.type === "eof") return new QuerySyntaxError(at, `expected a term after ${after}`);
    return new QuerySyntaxError(at, `expected a term after ${after}, found ${describeToken(token)}`);
  }

  private freeText = 0;

  private countTerm(span: Span): void {
    this.terms += 1;
    if (this.terms > MAX_TERMS) throw new QuerySyntaxError(span.start, `more than ${MAX_TERMS} terms; narrow the query`);
  }

  parseQuery(): QueryNode {
    const first = this.peek();
    if (!this.startsTerm(first)) throw this.notATerm(first, null);
    const node = this.parseOr(0);
    const rest = this.peek();
    if (rest.type !== "eof") throw this.notATerm(rest, null);
    return node;
  }

  private parseOr(depth: number): QueryNode {
    const children = [this.parseAnd(depth)];
    while (keywordOf(this.peek()) === "OR") {
      const keyword = this.advance();
      if (!this.startsTerm(this.peek())) throw this.notATerm(this.peek(), describeToken(keyword));
      children.push(this.parseAnd(depth));
    }
    return this.combine("or", children);
  }

  private parseAnd(depth: number): QueryNode {
    const children = [this.parseUnary(depth)];
    for (;;) {
      const token = this.peek();
      if (keywordOf(token) === "AND") {
        this.advance();
        if (!this.startsTerm(this.peek())) throw this.notATerm(this.peek(), describeToken(token));
      } else if (!this.startsTerm(token)) break;
      // Juxtaposition ("a b") means AND.
      children.push(this.parseUnary(depth));
    }
    return this.combine("and", children);
  }

  private combine(type: "and" | "or", children: QueryNode[]): QueryNode {
    const [first] = children;
    const last = children[children.length - 1];
    if (!first || !last) throw new Error("combine without children");
    return children.length === 1 ? first : { type, children, span: cover(first, last) };
  }

  private enter(token: Token, depth: number): void {
    if (depth >= MAX_DEPTH) throw new QuerySyntaxError(token.span.start, `nesting deeper than ${MAX_DEPTH} levels`);
  }

  private parseUnary(depth: number): QueryNode {
    const token = this.peek();
    if (keywordOf(token) !== "NOT") return this.parsePrimary(depth);
    this.enter(token, depth);
    this.advance();
    if (!this.startsTerm(this.peek())) throw this.notATerm(this.peek(), describeToken(token));
    const child = this.parseUnary(depth + 1);
    return { type: "not", child, span: cover(token, child) };
  }

  private parsePrimary(depth: number): QueryNode {
    const token = this.peek();
    if (token.type === "lparen") {
      this.enter(token, depth);
      this.advance();
      if (!this.startsTerm(this.peek())) throw this.notATerm(this.peek(), '"("');
      const inner = this.parseOr(depth + 1);
      const close = this.peek();
      if (close.type === "op") throw this.notATerm(close, null);
      if (close.type !== "rparen") throw new QuerySyntaxError(token.span.start, 'unbalanced "(": no matching ")"');
      this.advance();
      return inner;
    }
    if (token.type !== "word" && token.type !== "string") throw this.notATerm(token, null);
    if (this.peek(1).type === "op") return this.parseComparison();
    this.advance();
    if (token.text === "") throw new QuerySyntaxError(token.span.start, "empty search text");
    this.countTerm(token.span);
    this.freeText += 1;
    if (this.freeText > MAX_FREE_TEXT) {
      throw new QuerySyntaxError(token.span.start, `more than ${MAX_FREE_TEXT} free-text words; use field=value terms`);
    }
    return { type: "text", text: token.text, span: token.span };
  }

  private parseComparison(): QueryNode {
    const name = this.advance();
    const opToken = this.advance();
    if (opToken.type !== "op") throw new Error("comparison without operator");
    if (name.type !== "word") {
      throw new QuerySyntaxError(name.span.start, `expected a field name before "${opToken.op}", found a quoted string`);
    }
    const field = resolveField(name.text);
    if (!field.ok) throw new QuerySyntaxError(name.span.start, field.error);
    const opError = checkOperator(field.value, opToken.op);
    if (opError) throw new QuerySyntaxError(opToken.span.start, opError);
    const valueToken = this.peek();
    const after = `expected a value after "${opToken.op}"`;
    if (valueToken.type !== "word" && valueToken.type !== "string") {
      throw new QuerySyntaxError(valueToken.span.start, valueToken.type === "eof" ? after : `${after}, found ${describeToken(valueToken)}`);
    }
    if (keywordOf(valueToken)) {
      throw new QuerySyntaxError(valueToken.span.start, `${after}, found ${describeToken(valueToken)} (quote it to use the word as a value)`);
    }
    this.advance();
    const value = buildValue(field.value, opToken.op, valueToken.text);
    if (!value.ok) throw new QuerySyntaxError(valueToken.span.start, value.error);
    const span = { start: name.span.start, end: valueToken.span.end };
    this.countTerm(span);
    return { type: "compare", field: field.value, op: opToken.op, value: value.value, span };
  }
}

/** Parses q into a syntax tree; throws QuerySyntaxError (a 400) for anything it does not accept. */
export function parseQuery(q: string): QueryNode {
  if (q.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(MAX_QUERY_LENGTH, `query is ${q.length} characters; the limit is ${MAX_QUERY_LENGTH}`);
  }
  const tokens = tokenize(q);
  if (tokens.length === 1) return { type: "all", span: { start: 0, end: q.length } };
  return new Parser(tokens).parseQuery();
}
