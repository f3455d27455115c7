import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policySets, policySetVersions } from "@/drizzle/schema";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { ConflictError, ForbiddenError, ValidationError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { createPostgresDatabase, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { decide } from "./engine";
import { getPolicySet, listPolicySets, rollbackPolicySet, savePolicySet, writeVersion } from "./store";
import { PolicyView } from "./view";
import { whatIf } from "./what-if";

const admin = actorWith("admin");
const viewer = actorWith("audit:read");
const AUDIENCE = "https://invoices.example/";
const PERMIT_BILLING = `@id("billing-posts")
permit (principal is Vigil::Agent, action == Vigil::Action::"Call", resource)
when { principal.name == "billing-bot" && resource.method == "POST" && resource.hasTag("tenant") && resource.getTag("tenant") == "42" };`;
const FORBID_ALL = `@id("closed")
forbid (principal, action, resource);`;

describe.each(testTargets())("policy sets on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await target.open();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("saves versions with who, when and why, audits each change with its diff, and rolls back as a new version", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    const v1 = await savePolicySet(ctx, { name: "invoices", audience: AUDIENCE, text: PERMIT_BILLING, routes: ["/tenants/{tenant}/invoices"], comment: "first" });
    expect(v1).toMatchObject({ name: "invoices", version: 1, mode: "enforce", source: "console", policies: ["billing-posts"], routes: ["/tenants/{tenant}/invoices"] });
    const v2 = await savePolicySet(ctx, { name: "invoices", audience: AUDIENCE, text: FORBID_ALL, mode: "shadow", comment: "lock down", base_version: 1 });
    expect(v2).toMatchObject({ version: 2, mode: "shadow", policies: ["closed"] });
    const back = await rollbackPolicySet(ctx, { name: "invoices", version: 1, comment: "too strict" });
    expect(back).toMatchObject({ version: 3, mode: "enforce", text: PERMIT_BILLING, routes: ["/tenants/{tenant}/invoices"] });

    const detail = await getPolicySet(ctx, { name: "invoices" });
    expect(detail.versions.map((v) => [v.version, v.comment, v.author])).toEqual([
      [3, "rollback to version 1: too strict", admin.label],
      [2, "lock down", admin.label],
      [1, "first", admin.label],
    ]);
    const events = await t.handle.db.execute(sql`select metadata from audit_events where kind = 'policy.changed' order by id`);
    const metas = (events as unknown as { rows?: { metadata: Record<string, unknown> }[] }).rows ?? (events as unknown as { metadata: Record<string, unknown> }[]);
    expect(metas.map((r) => r.metadata.version)).toEqual([1, 2, 3]);
    expect(String(metas[1]?.metadata.diff)).toContain('+@id("closed")');
    expect(String(metas[1]?.metadata.diff)).toContain('-@id("billing-posts")');
    expect(metas[1]?.metadata).toMatchObject({ previous_mode: "enforce", mode: "shadow", comment: "lock down" });
    expect((await listPolicySets(ctxFor(t.handle.db, viewer))).sets.map((s) => s.name)).toContain("invoices");
  });

  it.each([
    ["invalid Cedar", { text: "permit (principal action, resource);" }, /1:19: .*unexpected token/],
    ["a policy failing the schema", { text: 'permit (principal is Vigil::Agent, action, resource) when { principal.nmae == "x" };' }, /1:61: .*nmae/],
    ["an unknown entity type", { text: "permit (principal is Vigil::Robot, action, resource);" }, /Robot/],
    ["no comment", { text: FORBID_ALL, comment: "" }, /comment|say why/],
    ["a bad route template", { text: FORBID_ALL, routes: ["tenants/{tenant"] }, /path template/],
    ["1 MB and more of text", { text: `// ${"x".repeat(1024 * 1024)}\n${FORBID_ALL}` }, /1048576|too (big|long)|at most/i],
  ])("refuses %s with a clear error, saves nothing, and the previous version keeps serving", async (_what, change, message) => {
    const ctx = ctxFor(t.handle.db, admin);
    await savePolicySet(ctx, { name: "guarded", audience: "https://guarded.example/", text: FORBID_ALL, comment: "base" });
    const before = await t.handle.db.select().from(policySetVersions).where(eq(policySetVersions.name, "guarded"));
    const attempt = savePolicySet(ctx, { name: "guarded", audience: "https://guarded.example/", comment: "change", ...change });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(message);
    const after = await t.handle.db.select().from(policySetVersions).where(eq(policySetVersions.name, "guarded"));
    expect(after.length).toBe(before.length);
    const [set] = await t.handle.db.select().from(policySets).where(eq(policySets.name, "guarded"));
    expect(set?.text).toBe(FORBID_ALL);
  });

  it("refuses a change made from an old version, a second set for one audience, a viewer, and console changes to a POLICY_DIR set", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    await savePolicySet(ctx, { name: "racy", audience: "https://racy.example/", text: FORBID_ALL, comment: "one" });
    await savePolicySet(ctx, { name: "racy", audience: "https://racy.example/", text: FORBID_ALL, comment: "two" });
    await expect(savePolicySet(ctx, { name: "racy", audience: "https://racy.example/", text: FORBID_ALL, comment: "stale", base_version: 1 })).rejects.toThrow(/at version 2, not 1/);
    await expect(savePolicySet(ctx, { name: "other", audience: "https://racy.example/", text: FORBID_ALL, comment: "dup" })).rejects.toBeInstanceOf(ConflictError);
    await expect(savePolicySet(ctxFor(t.handle.db, viewer), { name: "racy", audience: "https://racy.example/", text: FORBID_ALL, comment: "x" })).rejects.toBeInstanceOf(ForbiddenError);
    await writeVersion(ctx, { name: "gitops", audience: "https://gitops.example/", mode: "enforce", text: FORBID_ALL, routes: [], headers: [], comment: "from POLICY_DIR", source: "directory" });
    await expect(savePolicySet(ctx, { name: "gitops", audience: "https://gitops.example/", text: FORBID_ALL, comment: "edit" })).rejects.toThrow(/managed in POLICY_DIR/);
  });

  it("answers what-if for a saved set and for a draft, naming the deciding policies", async () => {
    const ctx = ctxFor(t.handle.db, admin);
    const agent = await t.handle.db.execute(sql`insert into agents (name, email, owner, deployment_env) values ('billing-bot', ${`bb-${Date.now()}@example.com`}, 'finance', 'prod') returning id`);
    const rows = (agent as unknown as { rows?: { id: string }[] }).rows ?? (agent as unknown as { id: string }[]);
    const agentId = String(rows[0]?.id);
    await savePolicySet(ctx, { name: "whatif", audience: "https://whatif.example/", text: PERMIT_BILLING, routes: ["/tenants/{tenant}/invoices"], comment: "w" });
    const ask = (tenant: string, extra: Record<string, unknown> = {}) =>
      whatIf(ctx, { set: "whatif", action: "Call", principal: { agent_id: agentId }, route: { method: "POST", path: `/tenants/${tenant}/invoices` }, ...extra });
    expect(await ask("42")).toEqual({ decision: "allow", policies: ["billing-posts"], errors: [], route_template: "/tenants/{tenant}/invoices" });
    expect(await ask("43")).toMatchObject({ decision: "deny", policies: [] });
    expect(await ask("42", { text: `${PERMIT_BILLING}\n${FORBID_ALL}`, routes: ["/tenants/{tenant}/invoices"], audience: "https://whatif.example/" })).toMatchObject({ decision: "deny", policies: ["closed"] });
    await expect(whatIf(ctx, { set: "whatif", action: "Call", principal: { agent_id: agentId } })).rejects.toThrow(/route/);
  });
});

// Two handles on one PostgreSQL database stand for two instances.
const postgresUrls = testTargets().some((t) => t.name === "postgres") ? [process.env.TEST_DATABASE_URL ?? ""] : [];
describe.each(postgresUrls)("policy changes across instances (PostgreSQL)", (adminUrl) => {
  let a: DbHandle;
  let b: DbHandle;
  let drop: () => Promise<void>;
  let viewA: PolicyView;
  beforeAll(async () => {
    const created = await createPostgresDatabase(adminUrl);
    drop = created.drop;
    a = await openDatabase({ kind: "postgres", url: created.url }, 3);
    b = await openDatabase({ kind: "postgres", url: created.url }, 3);
    await applyMigrations(a);
    viewA = new PolicyView(a.db);
    await viewA.start(a);
  });
  afterAll(async () => {
    await viewA?.stop();
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it("a change saved on one instance decides on the other without a restart", async () => {
    const ctx = ctxFor(b.db, admin);
    await savePolicySet(ctx, { name: "live", audience: "https://live.example/", text: FORBID_ALL, comment: "closed" });
    await expect.poll(() => viewA.forAudience("https://live.example/")?.version, { timeout: 5000 }).toBe(1);
    await savePolicySet(ctx, { name: "live", audience: "https://live.example/", text: `@id("open")\npermit (principal, action, resource);`, comment: "open" });
    await expect.poll(() => viewA.forAudience("https://live.example/")?.version, { timeout: 5000 }).toBe(2);
    const set = viewA.forAudience("https://live.example/");
    const request = { principal: { type: "Vigil::Agent", id: "x" }, action: "Call" as const, resource: { type: "Vigil::Route", id: "GET /" }, context: {}, entities: [] };
    expect(decide(set?.key ?? "", request)).toMatchObject({ allow: true, policies: ["open"] });
  });
});
