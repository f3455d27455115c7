import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { getConfig, loadConfig, setConfig } from "@/lib/config";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { decideFor } from "./decide";
import { DecisionCache } from "./decision-cache";
import { agentEntity, audienceUid, contextOf } from "./entities";
import { savePolicySet } from "./store";
import { PolicyView } from "./view";

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

  it("keys by the second when a set's text mentions time", () => {
    expect(new DecisionCache('permit (principal, action, resource) when { context.time < 1800000000 };').usesTime).toBe(true);
    expect(new DecisionCache('permit (principal, action, resource) when { context.hour >= 8 };').usesTime).toBe(false);
  });

  it("refuses a rate outside 0..1 at start", () => {
    expect(() => loadConfig({ ...process.env, POLICY_ALLOW_SAMPLE_RATE: "1.5" })).toThrow(/POLICY_ALLOW_SAMPLE_RATE: between 0 and 1/);
  });
});
