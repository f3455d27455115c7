import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, people } from "@/drizzle/schema";
import { getConfig, loadConfig, setConfig } from "@/lib/config";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { systemActor, type Actor } from "@/lib/access/actor";
import { personId } from "@/lib/access/person";
import { decideCall, decideFor } from "./decide";
import { recordPersonFacts, withPersonFacts } from "./person-facts";
import { DecisionCache } from "./decision-cache";
import { checkPolicies, readsTime } from "./engine";
import { agentEntity, audienceUid, contextOf } from "./entities";
import { savePolicySet } from "./store";
import { policyView, PolicyView, startPolicyView } from "./view";

const AUDIENCE = "https://sampled.example/";
const agent = agentEntity({ id: "00000000-0000-4000-8000-0000000000aa", name: "sampler", owner: "ops", status: "active", allowedScopes: [], deploymentEnv: "test" });
const request = () => ({ principal: agent.uid, action: "IssueToken" as const, resource: audienceUid(AUDIENCE), context: contextOf({ now: new Date(), ip: "127.0.0.1", dpopBound: false, delegationDepth: 0, scopes: [] }), entities: [agent] });

describe.each(testTargets())("allowed decisions, sampled, on $name", (target) => {
  let t: TestDatabase;
  const original = getConfig();
  beforeAll(async () => {
    t = await target.open();
    await savePolicySet(ctxFor(t.handle.db, actorWith("admin")), { name: "sampled", audience: AUDIENCE, text: '@id("tokens") permit (principal, action, resource);', comment: "allow all" });
  });
  afterEach(() => setConfig(original));
  afterAll(async () => {
    await t?.drop();
  });

  const allowedEvents = async (requestId: string) =>
    (await t.handle.db.select({ metadata: auditEvents.metadata }).from(auditEvents).where(and(eq(auditEvents.kind, "policy.allowed"), eq(auditEvents.requestId, requestId)))).map((e) => e.metadata);

  it("records none by default, every one at rate 1, with the deciding policy", async () => {
    const view = new PolicyView(t.handle.db);
    await view.reload();
    const set = view.forAudience(AUDIENCE);
    if (!set) throw new Error("set not loaded");
    const caller = (requestId: string) => ({ actor: actorWith("admin"), facts: { db: t.handle.db, requestId, ip: "127.0.0.1", userAgent: "vitest" } });

    expect(decideFor("policy_issue", set, request(), caller("sample-off")).allow).toBe(true);

    setConfig(loadConfig({ ...process.env, POLICY_ALLOW_SAMPLE_RATE: "1" }));
    for (let i = 0; i < 3; i++) decideFor("policy_issue", set, request(), caller("sample-all"));
    await expect.poll(() => allowedEvents("sample-all"), { timeout: 5000 }).toHaveLength(3);
    expect((await allowedEvents("sample-all"))[0]).toMatchObject({ point: "policy_issue", action: "IssueToken", set: "sampled", policies: ["tokens"], enforced: true });
    // Decided before the sampled ones, whose events have landed: left out, not still on its way.
    expect(await allowedEvents("sample-off")).toEqual([]);
    const count = await t.handle.db.execute(sql`select count(*)::int as n from audit_events where kind = 'policy.allowed'`);
    const rows = (count as unknown as { rows?: { n: number }[] }).rows ?? (count as unknown as { n: number }[]);
    expect(rows[0]?.n).toBe(3);
  });

  it("answers a repeated question from the version's cache, keyed by everything asked; a new version starts empty", async () => {
    const db = t.handle.db;
    const view = new PolicyView(db);
    await view.reload();
    const v1 = view.forAudience(AUDIENCE);
    if (!v1) throw new Error("set not loaded");
    const caller = { actor: actorWith("admin"), facts: { db, requestId: "cache", ip: "127.0.0.1", userAgent: "vitest" } };
    expect(decideFor("policy_call", v1, request(), caller, "k1").allow).toBe(true);
    expect(decideFor("policy_call", v1, request(), caller, "k1").allow).toBe(true);
    expect(v1.decisions.size).toBe(1);
    decideFor("policy_call", v1, request(), caller, "k2");
    expect(v1.decisions.size).toBe(2);
    await savePolicySet(ctxFor(db, actorWith("admin")), { name: "sampled", audience: AUDIENCE, text: '@id("closed") forbid (principal, action, resource);', comment: "close", base_version: 1 });
    await view.refresh("sampled");
    const v2 = view.forAudience(AUDIENCE);
    expect(v2?.version).toBe(2);
    expect(v2?.decisions.size).toBe(0);
    if (!v2) throw new Error("no version 2");
    expect(decideFor("policy_call", v2, request(), caller, "k1")).toMatchObject({ allow: false, reason: "closed" });
  });

  it.each([
    ["context.time", "permit (principal, action, resource) when { context.time < 1800000000 };", true],
    ["context[\"time\"]", 'permit (principal, action, resource) when { context["time"] < 1800000000 };', true],
    ["an escaped name", 'permit (principal, action, resource) when { context["\\u{74}ime"] < 1800000000 };', true],
    ["context has time", "permit (principal, action, resource) when { context has time };", true],
    ["the context whole", 'permit (principal, action, resource) when { context == {"time": 1} };', true],
    ["hour only", "permit (principal, action, resource) when { context.hour >= 8 };", false],
    ["time in a comment only", "// time of day rules live elsewhere\npermit (principal, action, resource) when { context.hour >= 8 };", false],
  ])("keys decisions by the second when a set reads %s", (_what, text, expected) => {
    const checked = checkPolicies(text);
    // Strict validation refuses some forms (the context whole); the reading is what is tested.
    const parsed = checked.ok ? checked.parsed : { ids: ["p"], byId: { p: text } };
    expect(new DecisionCache(readsTime(parsed)).usesTime).toBe(expected);
  });

  it("decides a delegated token's person at the gateway, with roles and groups from claims or as last seen; an unknown caller is refused", async () => {
    const db = t.handle.db;
    const audience = "https://people.example/";
    await savePolicySet(ctxFor(db, actorWith("admin")), {
      name: "people",
      audience,
      text: `@id("finance-only") permit (principal is Vigil::Person, action == Vigil::Action::"Call", resource) when { principal.groups.contains("finance") };
@id("no-contractors") forbid (principal is Vigil::Person, action, resource) when { principal.roles.contains("contractor") };`,
      comment: "people",
    });
    await startPolicyView(t.handle);
    await policyView(db)?.refresh("people");
    const facts = { db, requestId: "people", ip: "127.0.0.1", userAgent: "vitest" };
    const call = (actor: Actor) => decideCall(actor, [audience], { method: "GET", uri: "/invoices", headers: new Headers(), dpopBound: false }, facts);
    const issuer = "https://idp.example";
    // A Vigil delegated token: the person is its subject, with no claims of their own.
    const delegated = (sub: string): Actor => ({ kind: "delegated", id: personId(issuer, sub), scopes: new Set(["invoices:read"]), label: `user:${sub}`, delegation: { chain: ["00000000-0000-4000-8000-0000000000bb"], grantIds: [] } });
    expect(await call(delegated("ann"))).toMatchObject({ refused: true, reason: "no-permit" });
    // Her provider token at the gateway carries her groups: decided on them, and remembered.
    const external: Actor = { kind: "external", id: "ann", scopes: new Set(), label: "oidc:ann", person: { issuer, sub: "ann", label: "ann", scopes: new Set(), roles: [], groups: ["finance"] } };
    expect(await call(external)).toMatchObject({ allow: true, decision: { policies: ["finance-only"] } });
    expect(await call(delegated("ann"))).toMatchObject({ allow: true, decision: { policies: ["finance-only"] } });
    await expect.poll(async () => (await db.select().from(people).where(eq(people.sub, "ann")))[0]?.groups).toEqual(["finance"]);
    // What another instance recorded is read from the table (nothing of bob in this one's cache).
    await db.insert(people).values({ issuer, sub: "bob", roles: ["contractor"], groups: ["finance"] });
    expect(await withPersonFacts(db, { issuer, sub: "bob", scopes: new Set() })).toMatchObject({ roles: ["contractor"], groups: ["finance"] });
    expect(await call(delegated("bob"))).toMatchObject({ refused: true, reason: "no-contractors" });
    // A provider token that leaves the groups claim out says nothing about groups: what was
    // known stays (a contractor cannot shed a forbid by a token without the claim).
    recordPersonFacts(db, { issuer, sub: "bob", roles: ["contractor"] });
    const bobWithoutGroups: Actor = { kind: "external", id: "bob", scopes: new Set(), label: "oidc:bob", person: { issuer, sub: "bob", label: "bob", scopes: new Set(), roles: ["contractor"] } };
    expect(await call(bobWithoutGroups)).toMatchObject({ refused: true, reason: "no-contractors" });
    expect((await withPersonFacts(db, { issuer, sub: "bob", scopes: new Set() })).groups).toEqual(["finance"]);
    // Neither an agent nor a person (a system caller): refused, not waved through.
    expect(await call(systemActor("test"))).toMatchObject({ refused: true, reason: "unknown-principal" });
  });

  it("refuses a rate outside 0..1 at start", () => {
    expect(() => loadConfig({ ...process.env, POLICY_ALLOW_SAMPLE_RATE: "1.5" })).toThrow(/POLICY_ALLOW_SAMPLE_RATE: between 0 and 1/);
  });
});
