import type { CompareOp, Span } from "./ast";
import { QuerySyntaxError } from "./errors";

export type Token =
  | { type: "word"; text: string; span: Span }
  | { type: "string"; text: string; span: Span }
  | { type: "op"; op: CompareOp; span: Span }
  | { type: "lparen"; span: Span }
  | { type: "rparen"; span: Span }
  | { type: "eof"; span: Span };

// Longest first, so ">=" is not read as ">" followed by "=".
const OPERATORS: CompareOp[] = ["!=", ">=", "<=", "=", "~", ">", "<"];

// PostgreSQL refuses NUL in text, and other C0 controls are never meant in a search box;
// tab, LF and CR are allowed as whitespace.
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// Under the u flag a well-formed surrogate pair is one code point, so this matches only
// lone halves, which cannot be encoded as UTF-8 and would reach the database mangled.
const LONE_SURROGATE = /\p{Cs}/u;
const WHITESPACE = /\s/;

function operatorAt(input: string, i: number): CompareOp | undefined {
  return OPERATORS.find((op) => input.startsWith(op, i));
}

function endsWord(input: string, i: number): boolean {
  const c = input.charAt(i);
  return WHITESPACE.test(c) || c === "(" || c === ")" || c === '"' || operatorAt(input, i) !== undefined;
}

function checkCharacters(input: string): void {
  const control = FORBIDDEN_CONTROL.exec(input);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new QuerySyntaxError(control.index, `control character U+${code} is not allowed`);
  }
  const surrogate = LONE_SURROGATE.exec(input);
  if (surrogate) throw new QuerySyntaxError(surrogate.index, "invalid character (unpaired UTF-16 surrogate)");
}

/** Reads a quoted string starting at the opening quote; returns its text and the index after it. */
function readQuoted(input: string, start: number): { text: string; end: number } {
  let text = "";
  let i = start + 1;
  while (i < input.length) {
    const c = input.charAt(i);
    if (c === '"') return { text, end: i + 1 };
    if (c === "\\") {
      const next = input.charAt(i + 1);
      if (next !== '"' && next !== "\\") {
        const shown = next === "" ? "\\" : `\\${next}`;
        throw new QuerySyntaxError(i, `unknown escape "${shown}" in quoted string (use \\" or \\\\)`);
      }
      text += next;
      i += 2;
      continue;
    }
    text += c;
    i += 1;
  }
  throw new QuerySyntaxError(start, 'unterminated quoted string (missing closing ")');
}

export function tokenize(input: string): Token[] {
  checkCharacters(input);
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (WHITESPACE.test(c)) {
      i += 1;
    } else if (c === "(" || c === ")") {
      tokens.push({ type: c === "(" ? "lparen" : "rparen", span: { start: i, end: i + 1 } });
      i += 1;
    } else if (c === '"') {
      const quoted = readQuoted(input, i);
      tokens.push({ type: "string", text: quoted.text, span: { start: i, end: quoted.end } });
      i = quoted.end;
    } else {
      const op = operatorAt(input, i);
      if (op) {
        tokens.push({ type: "op", op, span: { start: i, end: i + op.length } });
        i += op.length;
        continue;
      }
      const start = i;
      while (i < input.length && !endsWord(input, i)) i += 1;
      tokens.push({ type: "word", text: input.slice(start, i), span: { start, end: i } });
    }
  }
  tokens.push({ type: "eof", span: { start: input.length, end: input.length } });
  return tokens;
}
