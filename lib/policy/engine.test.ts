import { describe, expect, it } from "vitest";
import { checkPolicies, decide, decideWith, loadPolicies, type DecisionRequest } from "./engine";

const agent = { type: "Vigil::Agent", id: "a-1" };
const route = { type: "Vigil::Route", id: "POST /tenants/42/invoices" };
const context = { time: 1_796_230_000, hour: 10, weekday: 3, sourceIp: { __extn: { fn: "ip", arg: "127.0.0.1" } }, dpopBound: false, delegationDepth: 0, scopes: ["invoices:write"] };
const request = (over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  principal: agent,
  action: "Call",
  resource: route,
  context,
  entities: [
    { uid: agent, attrs: { name: "billing-bot", owner: "finance", status: "active", scopes: ["invoices:write"], deploymentEnv: "prod" }, parents: [{ type: "Vigil::Owner", id: "finance" }] },
    { uid: route, attrs: { method: "POST", path: "/tenants/42/invoices", template: "/tenants/{tenant}/invoices" }, parents: [{ type: "Vigil::Audience", id: "https://api.example" }], tags: { tenant: "42" } },
  ],
  ...over,
});

const POLICIES = `@id("billing-bot-tenant-42")
permit (principal is Vigil::Agent, action == Vigil::Action::"Call", resource in Vigil::Audience::"https://api.example")
when { principal.name == "billing-bot" && resource.method == "POST" && resource.hasTag("tenant") && resource.getTag("tenant") == "42" };

@id("business-hours")
forbid (principal, action == Vigil::Action::"Call", resource)
unless { context.hour >= 8 && context.hour < 18 };
`;

describe("policy engine (Cedar)", () => {
  it("decides with the policies' own ids: permit by one, forbid by another, default deny", () => {
    const checked = checkPolicies(POLICIES);
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    expect(checked.parsed.ids).toEqual(["billing-bot-tenant-42", "business-hours"]);
    loadPolicies("test", checked.parsed);
    expect(decide("test", request())).toEqual({ allow: true, policies: ["billing-bot-tenant-42"], errors: [] });
    expect(decide("test", request({ context: { ...context, hour: 22 } }))).toMatchObject({ allow: false, policies: ["business-hours"] });
    const otherTenant = request();
    const [agentEntity, routeEntity] = otherTenant.entities;
    if (!agentEntity || !routeEntity) throw new Error("request has its two entities");
    otherTenant.entities = [agentEntity, { ...routeEntity, tags: { tenant: "43" } }];
    expect(decide("test", otherTenant)).toEqual({ allow: false, policies: [], errors: [] });
    // A draft decides the same without being loaded.
    expect(decideWith(checked.parsed, request())).toMatchObject({ allow: true, policies: ["billing-bot-tenant-42"] });
  });

  it.each([
    ["a syntax error", `permit (principal action, resource);`, 1, 19, /unexpected token/],
    ["an attribute the schema does not have", `permit (principal is Vigil::Agent, action, resource)\nwhen { principal.nmae == "x" };`, 2, 8, /attribute `nmae`.*not found/],
    ["an unknown entity type", `permit (principal is Vigil::Robot, action, resource);`, 1, 1, /Robot/],
    ["an unknown action", `permit (principal, action == Vigil::Action::"Delete", resource);`, 1, 1, /Delete/],
    ["a type error", `permit (principal, action, resource) when { context.hour == "ten" };`, 1, 45, /type/i],
    ["a duplicate id", `@id("x")\npermit (principal, action, resource);\n@id("x")\nforbid (principal, action, resource);`, 3, 5, /two policies have the id "x"/],
    ["a template", `permit (principal == ?principal, action, resource);`, 1, 1, /template/],
  ])("refuses %s, saying where", (_what, text, line, column, message) => {
    const checked = checkPolicies(text);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    const [first] = checked.problems;
    expect(first?.message).toMatch(message);
    expect(first?.line).toBe(line);
    if (column > 1) expect(first?.column).toBe(column);
  });

  it("counts columns in characters, not bytes", () => {
    const checked = checkPolicies(`// é\npermit (principal is Vigil::Agent, action, resource) when { "é" == principal.nmae };`);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems[0]).toMatchObject({ line: 2, column: 68 });
  });
});
