import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error a .mjs helper shared with the benchmarks
import { REQUESTS, SCOPES, realisticSet } from "../../bench/lib/policy-set.mjs";
import { checkPolicies, decide, decideWith, loadPolicies, slicesOf, type DecisionRequest } from "./engine";
import { agentEntity } from "./entities";

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

  it("reads an agent's labels as its tags", () => {
    const checked = checkPolicies(`@id("billing-team") permit (principal is Vigil::Agent, action, resource) when { principal.hasTag("team") && principal.getTag("team") == "billing" };`);
    if (!checked.ok) throw new Error(checked.problems[0]?.message);
    const labelled = (labels: Record<string, string>) =>
      decideWith(checked.parsed, request({ entities: [agentEntity({ id: agent.id, name: "n", owner: "o", status: "active", allowedScopes: [], deploymentEnv: "prod", labels }), ...request().entities.slice(1)] }));
    expect(labelled({ team: "billing" })).toMatchObject({ allow: true, policies: ["billing-team"] });
    expect(labelled({ team: "growth" }).allow).toBe(false);
    expect(labelled({}).allow).toBe(false);
  });

  it("counts columns in characters, not bytes", () => {
    const checked = checkPolicies(`// é\npermit (principal is Vigil::Agent, action, resource) when { "é" == principal.nmae };`);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems[0]).toMatchObject({ line: 2, column: 68 });
  });

  // Large sets are asked only the policies whose guards may hold (guards.ts): the decision
  // must be exactly the whole set's, for every kind of principal and request.
  it("decides a 1,000-policy set exactly as the whole set does, asking only the policies that may apply", () => {
    const set = realisticSet(1000) as { text: string };
    const checked = checkPolicies(set.text);
    if (!checked.ok) throw new Error(checked.problems[0]?.message);
    loadPolicies("sliced", checked.parsed);
    const agents = [
      { name: "bench-agent", owner: "bench", deploymentEnv: "production" },
      { name: "bot-3", owner: "bench", deploymentEnv: "production" },
      { name: "bot-100", owner: "finance", deploymentEnv: "staging" },
      { name: "bot-999", owner: "internal", deploymentEnv: "production" },
    ];
    let compared = 0;
    let denied = 0;
    for (const [n, a] of agents.entries()) {
      const uid = { type: "Vigil::Agent", id: `agent-${n}` };
      const principal = { uid, attrs: { ...a, status: "active", scopes: SCOPES as string[] }, parents: [{ type: "Vigil::Owner", id: a.owner }] };
      // Every other route (a draft's decision parses the whole set each time): all 5 resources, both methods.
      for (const r of (REQUESTS as { method: string; path: string }[]).filter((_, i) => i % 2 === 0)) {
        for (const tenant of ["3", "42"]) {
          const routeUid = { type: "Vigil::Route", id: `${r.method} ${r.path}` };
          const req = request({
            principal: uid,
            resource: routeUid,
            context: { ...context, hour: tenant === "3" ? 20 : 10, scopes: SCOPES as string[] },
            entities: [principal, { uid: routeUid, attrs: { method: r.method, path: r.path, template: "" }, parents: [], tags: { tenant } }],
          });
          const sliced = decide("sliced", req);
          expect(sliced, `${a.name} ${r.method} ${r.path} tenant ${tenant}`).toEqual(decideWith(checked.parsed, req));
          compared++;
          if (!sliced.allow) denied++;
        }
      }
      const issue = request({ principal: uid, action: "IssueToken", resource: { type: "Vigil::Audience", id: "https://invoices.bench/" }, entities: [principal] });
      expect(decide("sliced", issue)).toEqual(decideWith(checked.parsed, issue));
    }
    // Refusals were among them (pinned bots off their tenant), so the comparison was not all allows.
    expect(compared).toBe(80);
    expect(denied).toBeGreaterThan(0);
    // And the sliced sets were really used: one per distinct principal name (bench-agent shares
    // the common one; each pinned bot has its own) and action.
    expect(slicesOf("sliced")).toBeGreaterThanOrEqual(4);
  });

  it("survives a hot loop of decisions on one set followed by decisions on another (a V8 abort on Node 20)", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures", "hot-switch.ts")], { encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).not.toContain("Fatal error");
    expect(run.status, run.stderr.slice(0, 500)).toBe(0);
    expect(run.stdout).toContain("decided");
  });
});
