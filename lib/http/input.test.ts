import { describe, expect, it } from "vitest";
import { ValidationError } from "@/lib/errors";
import { formObject } from "./body";
import { assembleInput, queryObject } from "./input";

const none = { params: {}, query: {}, body: {}, headers: {} };

describe("a verb's one input", () => {
  it("joins path parameters, query and body", () => {
    expect(assembleInput({ ...none, params: { id: "a" }, query: { n: "5" }, body: { name: "x" } })).toEqual({ id: "a", n: "5", name: "x" });
  });

  it.each([
    ["a body field named like a path parameter", { ...none, params: { id: "a" }, body: { id: "b" } }, /id is set by the path/],
    ["a query parameter named like a path parameter", { ...none, params: { id: "a" }, query: { id: "b" } }, /id is set by the path/],
    ["the same field in the query and the body", { ...none, query: { name: "a" }, body: { name: "b" } }, /name is given in both the query and the body/],
  ])("refuses %s, naming both places", (_label, sources, message) => {
    expect(() => assembleInput(sources)).toThrow(ValidationError);
    expect(() => assembleInput(sources)).toThrow(message);
  });

  it("lets a header the route hands over win over the same field in the query", () => {
    expect(assembleInput({ ...none, query: { last_event_id: "5" }, headers: { last_event_id: "9" } })).toEqual({ last_event_id: "9" });
  });

  it("keeps a field named __proto__ as a plain field, never a prototype", () => {
    const input = assembleInput({ ...none, body: JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown> });
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.hasOwn(input, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a repeated query parameter and reads a repeated form field as a list", () => {
    expect(() => queryObject(new URL("http://x/?n=1&n=2"))).toThrow(/n must not repeat/);
    expect(formObject(new URLSearchParams("resource=a&resource=b&scope=x"))).toEqual({ resource: ["a", "b"], scope: "x" });
  });
});
