/**
 * A small Cedar tokenizer for the console's editor: enough to colour what an operator reads
 * (keywords, strings, comments, annotations, entity references), never to decide anything —
 * the engine (lib/policy/engine.ts) is the only parser whose answer counts. It never fails:
 * whatever it does not recognise is plain text, and the tokens always join back to the input,
 * so the coloured copy lines up character for character with the textarea above it.
 */
export type CedarTokenKind = "keyword" | "string" | "comment" | "annotation" | "entity" | "type" | "literal" | "plain";
export type CedarToken = { kind: CedarTokenKind; text: string };

export const CEDAR_KEYWORDS: ReadonlySet<string> = new Set([
  "permit",
  "forbid",
  "when",
  "unless",
  "principal",
  "action",
  "resource",
  "context",
  "in",
  "has",
  "like",
  "is",
  "if",
  "then",
  "else",
]);
const LITERALS: ReadonlySet<string> = new Set(["true", "false"]);

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9]+/y;

/** Index just past a string starting at `start` (a quote): its closing quote, or the end of its line when unterminated. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    // An unterminated string colours its own line only: the next lines keep their meaning.
    else if (c === "\n") return i;
    else i += 1;
  }
  return text.length;
}

function identAt(text: string, at: number): string | null {
  IDENT.lastIndex = at;
  const m = IDENT.exec(text);
  return m ? m[0] : null;
}

/** The last character before `at` that is not white space (a `.` makes the next word an attribute). */
function previousSolid(text: string, at: number): string {
  for (let i = at - 1; i >= 0; i -= 1) {
    const c = text[i] ?? "";
    if (!/\s/.test(c)) return c;
  }
  return "";
}

export function tokenizeCedar(text: string): CedarToken[] {
  const out: CedarToken[] = [];
  const push = (kind: CedarTokenKind, part: string) => {
    const last = out.at(-1);
    // Neighbouring plain text merges: fewer spans for the browser to lay out.
    if (last && last.kind === "plain" && kind === "plain") last.text += part;
    else out.push({ kind, text: part });
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      const end = nl === -1 ? text.length : nl;
      push("comment", text.slice(i, end));
      i = end;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      push("string", text.slice(i, end));
      i = end;
    } else if (c === "@" && identAt(text, i + 1)) {
      const word = identAt(text, i + 1) ?? "";
      push("annotation", `@${word}`);
      i += 1 + word.length;
    } else if (/[A-Za-z_]/.test(c)) {
      // A path (Vigil::Agent), maybe ending in an entity id (Vigil::Agent::"…").
      let end = i;
      let segments = 0;
      for (;;) {
        const word = identAt(text, end);
        if (!word) break;
        end += word.length;
        segments += 1;
        if (text.startsWith("::", end) && (identAt(text, end + 2) || text[end + 2] === '"')) {
          end += 2;
          if (text[end] === '"') {
            end = stringEnd(text, end);
            break;
          }
        } else break;
      }
      const part = text.slice(i, end);
      if (part.includes('::"')) push("entity", part);
      else if (segments > 1) push("type", part);
      else if (CEDAR_KEYWORDS.has(part) && previousSolid(text, i) !== ".") push("keyword", part);
      else if (LITERALS.has(part)) push("literal", part);
      else push("plain", part);
      i = end;
    } else if (/[0-9]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      const part = m ? m[0] : c;
      push("literal", part);
      i += part.length;
    } else {
      push("plain", c);
      i += 1;
    }
  }
  return out;
}

/**
 * The tokens line by line (a token spanning lines — a comment never does, an unterminated
 * string stops at its line — is split), so the editor can mark the lines with problems.
 */
export function cedarLines(text: string): CedarToken[][] {
  const lines: CedarToken[][] = [[]];
  for (const token of tokenizeCedar(text)) {
    const parts = token.text.split("\n");
    parts.forEach((part, n) => {
      if (n > 0) lines.push([]);
      if (part) lines.at(-1)?.push({ kind: token.kind, text: part });
    });
  }
  return lines;
}
