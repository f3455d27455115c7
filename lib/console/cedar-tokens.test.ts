import { describe, expect, it } from "vitest";
import { cedarLines, tokenizeCedar, type CedarToken } from "./cedar-tokens";

const coloured = (tokens: CedarToken[]) => tokens.filter((t) => t.kind !== "plain").map((t) => `${t.kind}:${t.text}`);

describe("the console's Cedar tokenizer", () => {
  it("colours keywords, annotations, strings, comments, entity references and types", () => {
    const text = [
      '@id("finance-tenant-42")',
      "permit (principal is Vigil::Agent, action == Vigil::Action::\"Call\", resource)",
      "when { principal.owner == \"finance\" && resource has tenant } // only finance",
      "unless { context.dpopBound == false || principal in Vigil::Owner::\"ops\" };",
    ].join("\n");
    expect(coloured(tokenizeCedar(text))).toEqual([
      "annotation:@id",
      'string:"finance-tenant-42"',
      "keyword:permit",
      "keyword:principal",
      "keyword:is",
      "type:Vigil::Agent",
      "keyword:action",
      'entity:Vigil::Action::"Call"',
      "keyword:resource",
      "keyword:when",
      "keyword:principal",
      'string:"finance"',
      "keyword:resource",
      "keyword:has",
      "comment:// only finance",
      "keyword:unless",
      "keyword:context",
      "literal:false",
      "keyword:principal",
      "keyword:in",
      'entity:Vigil::Owner::"ops"',
    ]);
  });

  it("joins back to the input exactly, whatever it is given", () => {
    for (const text of ["", "forbid", '"unterminated\npermit', "a::", "x::\"y", "@", "@id(\"a\\\"b\")", "1 + 22 // c\n\n", "résumé ✓ \t\r\n", 'Vigil::Agent::"a"::b']) {
      expect(tokenizeCedar(text).map((t) => t.text).join("")).toBe(text);
      expect(cedarLines(text).map((line) => line.map((t) => t.text).join("")).join("\n")).toBe(text);
    }
  });

  it("keeps escaped quotes inside a string, and ends an unterminated one at its line", () => {
    expect(coloured(tokenizeCedar('"a\\"b" permit'))).toEqual(['string:"a\\"b"', "keyword:permit"]);
    expect(coloured(tokenizeCedar('"open\nforbid'))).toEqual(['string:"open', "keyword:forbid"]);
  });

  it("treats keywords only as whole words, not inside names, attributes or after a dot", () => {
    expect(coloured(tokenizeCedar("permitted resource.action principal.context isActive"))).toEqual(["keyword:resource", "keyword:principal"]);
    expect(coloured(tokenizeCedar("// permit (principal, action, resource);"))).toEqual(["comment:// permit (principal, action, resource);"]);
  });

  it("splits into lines so each line can be marked on its own", () => {
    const lines = cedarLines('permit (principal, action, resource)\nwhen { "x" };\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]?.map((t) => t.kind)).toEqual(["keyword", "plain", "string", "plain"]);
    expect(lines[2]).toEqual([]);
  });
});
