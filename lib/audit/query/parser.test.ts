import { describe, expect, it } from "vitest";
import { ValidationError } from "@/lib/errors";
import type { QueryNode } from "./ast";
import { QuerySyntaxError } from "./errors";
import { fieldLabel } from "./fields";
import { MAX_QUERY_LENGTH, parseQuery } from "./parser";

/** A compact rendering of the tree, so precedence reads at a glance. */
function show(node: QueryNode): string {
  switch (node.type) {
    case "all":
      return "*";
    case "and":
    case "or":
      return `${node.type}(${node.children.map(show).join(" ")})`;
    case "not":
      return `not(${show(node.child)})`;
    case "text":
      return JSON.stringify(node.text);
    case "compare":
      return `${fieldLabel(node.field)}${node.op}${node.value.text}`;
  }
}

const parsed = (q: string) => show(parseQuery(q));

function syntaxError(q: string): QuerySyntaxError {
  try {
    parseQuery(q);
  } catch (error) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(q)} to be rejected`);
}
const message = (q: string) => syntaxError(q).message;

describe("parseQuery: structure", () => {
  it("binds NOT tighter than AND, and AND tighter than OR", () => {
    expect(parsed("a OR b AND c")).toBe('or("a" and("b" "c"))');
    expect(parsed("a AND b OR c")).toBe('or(and("a" "b") "c")');
    expect(parsed("NOT a AND b")).toBe('and(not("a") "b")');
    expect(parsed("NOT a OR b")).toBe('or(not("a") "b")');
    expect(parsed("a OR NOT b AND c")).toBe('or("a" and(not("b") "c"))');
    expect(parsed("NOT NOT a")).toBe('not(not("a"))');
  });

  it("reads juxtaposition as AND, with AND's precedence", () => {
    expect(parsed("a b")).toBe('and("a" "b")');
    expect(parsed("a b OR c d")).toBe('or(and("a" "b") and("c" "d"))');
    expect(parsed("a NOT b")).toBe('and("a" not("b"))');
    expect(parsed("kind=x alertname=y")).toBe("and(kind=x alertname=y)");
  });

  it("groups with parentheses", () => {
    expect(parsed("(a OR b) c")).toBe('and(or("a" "b") "c")');
    expect(parsed("NOT (a OR b)")).toBe('not(or("a" "b"))');
    expect(parsed("((a))")).toBe('"a"');
    expect(parsed("a AND (b OR (c AND NOT d))")).toBe('and("a" or("b" and("c" not("d"))))');
  });

  it("takes keywords in any case", () => {
    expect(parsed("a and b Or c")).toBe('or(and("a" "b") "c")');
    expect(parsed("nOt a")).toBe('not("a")');
  });

  it("reads quoted strings with escapes, as values and as free text", () => {
    expect(parseQuery(String.raw`"say \"hi\" \\ now"`)).toMatchObject({ type: "text", text: 'say "hi" \\ now' });
    expect(parseQuery('kind="a b"')).toMatchObject({ type: "compare", value: { type: "text", text: "a b" } });
    expect(parsed('"AND" kind="OR"')).toBe('and("AND" kind=OR)');
    expect(parsed('meta.q="a=b (c)"')).toBe("meta.q=a=b (c)");
    expect(parseQuery('kind=""')).toMatchObject({ value: { text: "" } });
  });

  it("allows spaces around operators", () => {
    expect(parsed("kind = x")).toBe("kind=x");
    expect(parsed("id >= 5")).toBe("id>=5");
  });

  it("parses every example from the spec", () => {
    const agent = "4f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
    expect(parsed("kind=action_fail OR alertname=HighCPU")).toBe("or(kind=action_fail alertname=HighCPU)");
    expect(parsed("kind=action_ok AND alertname=TcpEndpointDownFast")).toBe("and(kind=action_ok alertname=TcpEndpointDownFast)");
    expect(parsed("(kind~token AND NOT outcome=success) OR label.severity=critical")).toBe(
      "or(and(kind~token not(outcome=success)) label.severity=critical)",
    );
    expect(parsed(`ts>=2026-11-01T00:00:00Z agent=${agent}`)).toBe(`and(ts>=2026-11-01T00:00:00Z agent=${agent})`);
  });

  it("treats the empty query as match-all", () => {
    expect(parseQuery("")).toEqual({ type: "all", span: { start: 0, end: 0 } });
    expect(parseQuery("  \t ").type).toBe("all");
  });

  it("records spans", () => {
    expect(parseQuery("a  kind=x")).toMatchObject({ span: { start: 0, end: 9 }, children: [{ span: { start: 0, end: 1 } }, { span: { start: 3, end: 9 } }] });
  });
});

describe("parseQuery: fields and values", () => {
  it("maps label.NAME and meta.PATH", () => {
    expect(parseQuery("label.app.kubernetes.io/name=api")).toMatchObject({ field: { type: "label", name: "app.kubernetes.io/name" } });
    expect(parseQuery("meta.request.aud~x")).toMatchObject({ field: { type: "meta", path: ["request", "aud"] } });
  });

  it("takes column names in any case, and agent_id for agent", () => {
    expect(parseQuery("KIND=x")).toMatchObject({ field: { type: "column", name: "kind" } });
    expect(parseQuery("agent_id~4f0c")).toMatchObject({ field: { type: "column", name: "agent" } });
  });

  it("normalises timestamps to milliseconds, in UTC", () => {
    const ms = (q: string) => {
      const node = parseQuery(q);
      return node.type === "compare" && node.value.type === "timestamp" ? new Date(node.value.ms).toISOString() : null;
    };
    expect(ms("ts>=2026-11-01")).toBe("2026-11-01T00:00:00.000Z");
    expect(ms("ts>=2026-11-01T02:30:00+02:30")).toBe("2026-11-01T00:00:00.000Z");
    expect(ms("ts<2026-11-01t00:00:00.123999z")).toBe("2026-11-01T00:00:00.123Z");
    expect(ms('ts<"2024-02-29 23:59:59.5-01:00"')).toBe("2024-03-01T00:59:59.500Z");
    expect(ms("ts=0001-01-01")).toBe("0001-01-01T00:00:00.000Z");
  });

  it("normalises ids and checks numbers, uuids, addresses and outcomes", () => {
    expect(parseQuery("id=007")).toMatchObject({ value: { type: "integer", text: "7" } });
    expect(parseQuery("id<=9223372036854775807")).toMatchObject({ value: { text: "9223372036854775807" } });
    expect(parseQuery("meta.n>-1.5e3")).toMatchObject({ value: { type: "number", text: "-1.5e3" } });
    expect(parseQuery("ip=10.0.0.0/8")).toMatchObject({ value: { type: "ip", prefix: 8, address: { family: 4, bytes: [10, 0, 0, 0] } } });
    expect(parseQuery("ip=::ffff:10.0.0.1")).toMatchObject({ value: { prefix: null, address: { family: 6 } } });
    expect(parseQuery("ip~10.0.")).toMatchObject({ value: { type: "text" } });
    expect(parseQuery("agent~not-a-uuid")).toMatchObject({ op: "~" });
    expect(parseQuery("outcome!=denied")).toMatchObject({ op: "!=" });
  });
});

describe("parseQuery: errors", () => {
  it("is a ValidationError naming the position, with the q field", () => {
    const error = syntaxError("kind=");
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.status).toBe(400);
    expect(error.position).toBe(6);
    expect(error.fields).toEqual([{ path: "q", message: "position 6: expected a value after \"=\"" }]);
  });

  it("reports unbalanced parentheses", () => {
    expect(message("(kind=x")).toBe('position 1: unbalanced "(": no matching ")"');
    expect(message("a ((b) c")).toBe('position 3: unbalanced "(": no matching ")"');
    expect(message("kind=x)")).toBe('position 7: unbalanced ")"');
    expect(message(")")).toBe('position 1: unbalanced ")"');
    expect(message("()")).toBe('position 2: expected a term after "(", found ")"');
  });

  it("reports dangling operators", () => {
    expect(message("kind=x AND")).toBe('position 11: expected a term after "AND"');
    expect(message("kind=x or")).toBe('position 10: expected a term after "or"');
    expect(message("NOT")).toBe('position 4: expected a term after "NOT"');
    expect(message("OR kind=x")).toBe('position 1: expected a term before "OR"');
    expect(message("a AND OR b")).toBe('position 7: expected a term after "AND", found "OR"');
    expect(message("(a AND) b")).toBe('position 7: expected a term after "AND", found ")"');
    expect(message("=x")).toBe('position 1: expected a field name before "="');
    expect(message("kind=x=y")).toBe('position 7: expected a field name before "="');
    expect(message('"kind"=x')).toBe('position 1: expected a field name before "=", found a quoted string');
  });

  it("reports missing values", () => {
    expect(message("kind=")).toBe('position 6: expected a value after "="');
    expect(message("alertname!= ")).toBe('position 13: expected a value after "!="');
    expect(message("kind=(x)")).toBe('position 6: expected a value after "=", found "("');
    expect(message("kind= AND x")).toBe('position 7: expected a value after "=", found "AND" (quote it to use the word as a value)');
    expect(message("kind~\"\"")).toBe('position 6: "~" needs a non-empty value');
    expect(message('a ""')).toBe("position 3: empty search text");
  });

  it("names unknown fields and lists the valid ones", () => {
    expect(message("severity=critical")).toBe(
      'position 1: unknown field "severity"; valid fields: kind, alertname, agent, actor, actor_chain, outcome, ip, request_id, rule, client_id, ts, id, label.NAME, meta.PATH',
    );
    expect(message("kind=x label.=y")).toBe('position 8: "label." needs a label name, e.g. label.severity');
    expect(message("meta.a..b=1")).toMatch(/^position 1: "meta\.a\.\.b" has an empty path step/);
  });

  it("checks values per field", () => {
    expect(message("ts>=yesterday")).toBe(
      'position 5: ts needs an RFC 3339 timestamp such as 2026-11-01T00:00:00Z (or a date such as 2026-11-01), not "yesterday"',
    );
    expect(message("ts>=2026-02-30")).toMatch(/^position 5: ts needs an RFC 3339 timestamp/);
    expect(message("ts<2026-11-01T24:00:00Z")).toMatch(/^position 4: ts needs/);
    expect(message("ts<2026-11-01T10:00:00")).toMatch(/^position 4: ts needs/);
    expect(message("ts<0000-01-01")).toMatch(/^position 4: ts needs/);
    expect(message("id=abc")).toBe('position 4: id needs a whole number, not "abc"');
    expect(message("id>9223372036854775808")).toMatch(/^position 4: id needs a whole number/);
    expect(message("agent=4f0c")).toMatch(/^position 7: agent needs a UUID/);
    expect(message("ip=999.1.1.1")).toMatch(/^position 4: ip needs an IP address or CIDR network/);
    expect(message("ip=10.0.0.0/33")).toMatch(/^position 4: ip needs/);
    expect(message("ip=fe80::1%eth0")).toMatch(/^position 4: ip needs/);
    expect(message("outcome=ok")).toBe('position 9: outcome is one of success, failure, denied, not "ok"');
    expect(message("meta.latency>fast")).toBe('position 14: ">" on meta.latency needs a number, not "fast"');
  });

  it("allows range operators only where they mean something", () => {
    expect(message("kind>x")).toBe('position 5: ">" applies only to ts, id and meta.* fields; kind takes =, != or ~');
    expect(message("label.a<=1")).toMatch(/^position 8: "<=" applies only to ts, id and meta\.\* fields/);
    expect(message("ts~2026")).toBe('position 3: "~" does not apply to ts; use =, !=, >, <, >= or <=');
  });

  it("reports bad quoting and characters", () => {
    expect(message('kind="abc')).toBe('position 6: unterminated quoted string (missing closing ")');
    expect(message(String.raw`"a\nb"`)).toBe(String.raw`position 3: unknown escape "\n" in quoted string (use \" or \\)`);
    expect(message("kind=a\u0000b")).toBe("position 7: control character U+0000 is not allowed");
    expect(message("a \ud800")).toBe("position 3: invalid character (unpaired UTF-16 surrogate)");
  });

  it("limits length, depth and term count", () => {
    expect(parseQuery("a".repeat(MAX_QUERY_LENGTH)).type).toBe("text");
    expect(message("a".repeat(MAX_QUERY_LENGTH + 1))).toBe("position 2001: query is 2001 characters; the limit is 2000");
    expect(parsed(`${"(".repeat(32)}a${")".repeat(32)}`)).toBe('"a"');
    expect(message(`${"(".repeat(33)}a${")".repeat(33)}`)).toBe("position 33: nesting deeper than 32 levels");
    expect(message(`${"NOT ".repeat(40)}a`)).toBe("position 129: nesting deeper than 32 levels");
    expect(message("(".repeat(1999))).toBe("position 33: nesting deeper than 32 levels");
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `kind=t${i}`).join(" ");
    expect(parseQuery(terms(64)).type).toBe("and");
    expect(message(terms(65))).toBe(`position ${terms(64).length + 2}: more than 64 terms; narrow the query`);
  });
});

describe("review findings", () => {
  it("refuses an IPv6 address whose embedded IPv4 part has leading zeros (PostgreSQL would)", async () => {
    const { parseQuery } = await import("./parser");
    expect(() => parseQuery("ip=::ffff:010.0.0.1")).toThrow(/position/);
    expect(() => parseQuery("ip=::1.2.3.04")).toThrow(/position/);
    expect(() => parseQuery("ip=::ffff:10.0.0.1")).not.toThrow();
    expect(() => parseQuery("ip=010.0.0.1")).not.toThrow();
  });

  it("caps free-text words, the costly term", async () => {
    const { parseQuery, MAX_FREE_TEXT } = await import("./parser");
    const words = Array.from({ length: MAX_FREE_TEXT }, (_, i) => `w${i}`);
    expect(() => parseQuery(words.join(" OR "))).not.toThrow();
    expect(() => parseQuery([...words, "one-more"].join(" OR "))).toThrow(/free-text/);
  });
});
