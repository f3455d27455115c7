import { cp, mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, policySets, policySetVersions } from "@/drizzle/schema";
import { ConflictError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { applyPolicyDir, PolicyDirError, readPolicyDir } from "./directory";
import { decide } from "./engine";
import { agentEntity, contextOf, routeEntity } from "./entities";
import { routeMatcher } from "./routes";
import { savePolicySet } from "./store";
import { PolicyView } from "./view";

const SHIPPED = path.join(process.cwd(), "deploy", "policies");
const AUDIENCE = "https://invoices.example.com/";

async function copyOfShipped(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "vigil-policy-dir-"));
  await cp(SHIPPED, dir, { recursive: true });
  return dir;
}

describe("POLICY_DIR, read and checked", () => {
  const dirs: string[] = [];
  const fresh = async () => {
    const dir = await copyOfShipped();
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("reads the shipped example: the file's policies first, then one permit per route of the scope map", async () => {
    const { sets } = await readPolicyDir(SHIPPED);
    expect(sets).toHaveLength(1);
    const [set] = sets;
    expect(set).toMatchObject({ name: "invoices", audience: AUDIENCE, mode: "enforce", headers: ["x-request-purpose"] });
    expect(set?.routes).toEqual(["/tenants/{tenant}/invoices", "/tenants/{tenant}/invoices/{id}", "/health"]);
    expect(set?.text.indexOf('@id("billing-bot-tenant-42")')).toBeLessThan(set?.text.indexOf('@id("scopes:GET /tenants/{tenant}/invoices")') ?? 0);
    // With a .cedar file, the file alone says who gets tokens.
    expect(set?.text).not.toContain("scopes:tokens");
  });

  it("decides by the scope map: a route needs its scopes, a path matching no route is refused", async () => {
    const { sets } = await readPolicyDir(SHIPPED);
    const set = sets[0];
    if (!set) throw new Error("no set");
    const { checkPolicies, loadPolicies } = await import("./engine");
    const checked = checkPolicies(set.text);
    if (!checked.ok) throw new Error(checked.problems[0]?.message);
    loadPolicies("dir-test", checked.parsed);
    const match = routeMatcher(set.routes);
    const agent = agentEntity({ id: "00000000-0000-4000-8000-000000000001", name: "reader", owner: "finance", status: "active", allowedScopes: ["invoices:read"], deploymentEnv: "production" });
    const call = (method: string, p: string, scopes: string[]) => {
      const route = routeEntity(AUDIENCE, method, p, match(p), {});
      return decide("dir-test", { principal: agent.uid, action: "Call", resource: route.uid, context: contextOf({ now: new Date("2026-12-02T10:00:00Z"), ip: "127.0.0.1", dpopBound: false, delegationDepth: 0, scopes }), entities: [agent, route] });
    };
    expect(call("GET", "/tenants/7/invoices/9", ["invoices:read"])).toMatchObject({ allow: true, policies: ["scopes:GET /tenants/{tenant}/invoices/{id}"] });
    expect(call("GET", "/tenants/7/invoices/9", [])).toMatchObject({ allow: false, policies: [] });
    expect(call("POST", "/tenants/7/invoices", ["invoices:read"])).toMatchObject({ allow: false });
    expect(call("DELETE", "/health", [])).toMatchObject({ allow: true });
    expect(call("GET", "/not/a/route", ["invoices:read", "invoices:write"])).toMatchObject({ allow: false, policies: [] });
  });

  it("a literal route is never shadowed by a parameter, and a method-less route does not open the methods named apart", async () => {
    const dir = await fresh();
    await rm(path.join(dir, "invoices.cedar"));
    await writeFile(path.join(dir, "data", "scopes.json"), JSON.stringify({ sets: { invoices: { audience: AUDIENCE, routes: { "GET /files/{name}": ["files:read"], "GET /files/admin": ["admin"], "/x": ["r"], "POST /x": ["w"] } } } }));
    const [set] = (await readPolicyDir(dir)).sets;
    if (!set) throw new Error("no set");
    const { checkPolicies, loadPolicies } = await import("./engine");
    const checked = checkPolicies(set.text);
    if (!checked.ok) throw new Error(checked.problems[0]?.message);
    loadPolicies("dir-order", checked.parsed);
    const match = routeMatcher(set.routes);
    const agent = agentEntity({ id: "00000000-0000-4000-8000-000000000002", name: "a", owner: "o", status: "active", allowedScopes: [], deploymentEnv: "p" });
    const call = (method: string, p: string, scopes: string[]) => {
      const route = routeEntity(AUDIENCE, method, p, match(p), {});
      return decide("dir-order", { principal: agent.uid, action: "Call", resource: route.uid, context: contextOf({ now: new Date(), ip: null, dpopBound: false, delegationDepth: 0, scopes }), entities: [agent, route] }).allow;
    };
    expect(match("/files/admin")?.template).toBe("/files/admin");
    expect(call("GET", "/files/admin", ["files:read"])).toBe(false);
    expect(call("GET", "/files/admin", ["admin"])).toBe(true);
    expect(call("GET", "/files/report", ["files:read"])).toBe(true);
    expect(call("POST", "/x", ["r"])).toBe(false);
    expect(call("POST", "/x", ["w"])).toBe(true);
    expect(call("GET", "/x", ["r"])).toBe(true);
  });

  it("a set made of its scope map alone also permits tokens for its audience", async () => {
    const dir = await fresh();
    await rm(path.join(dir, "invoices.cedar"));
    const { sets } = await readPolicyDir(dir);
    expect(sets[0]?.text).toContain('@id("scopes:tokens")');
  });

  // Each refusal names the file and, for policies, the line and column in that file.
  it.each([
    ["a schema that is not Vigil's", async (d: string) => writeFile(path.join(d, "schema.cedarschema"), "namespace Vigil { entity Agent; }"), /schema\.cedarschema differs from the schema Vigil decides with/],
    ["a schema that does not parse", async (d: string) => writeFile(path.join(d, "schema.cedarschema"), "namespace {"), /schema\.cedarschema does not parse/],
    ["invalid Cedar, at its line and column", async (d: string) => writeFile(path.join(d, "invoices.cedar"), '\n\npermit (principal action, resource);'), /invoices\.cedar:3:19: .*unexpected token/],
    ["an attribute the schema lacks", async (d: string) => writeFile(path.join(d, "invoices.cedar"), 'permit (principal is Vigil::Agent, action, resource) when { principal.team == "x" };'), /invoices\.cedar:1:\d+: .*team/],
    ["an unknown entity type", async (d: string) => writeFile(path.join(d, "invoices.cedar"), "permit (principal is Vigil::Robot, action, resource);"), /invoices\.cedar:1:\d+: .*Robot/],
    ["a .cedar file no set names", async (d: string) => writeFile(path.join(d, "payroll.cedar"), "permit (principal, action, resource);"), /payroll\.cedar: data\/scopes\.json names no set "payroll"/],
    ["scopes.json that is not JSON", async (d: string) => writeFile(path.join(d, "data", "scopes.json"), "{ sets: "), /data\/scopes\.json is not JSON/],
    ["a route key that is not a route", async (d: string) => writeFile(path.join(d, "data", "scopes.json"), JSON.stringify({ sets: { invoices: { audience: AUDIENCE, routes: { "GET invoices": [] } } } })), /data\/scopes\.json sets\.invoices\.routes\.GET invoices: a route such as/],
    ["two sets for one audience", async (d: string) => writeFile(path.join(d, "data", "scopes.json"), JSON.stringify({ sets: { invoices: { audience: AUDIENCE }, copy: { audience: AUDIENCE } } })), /sets "invoices" and "copy" are both for/],
    ["a missing directory", async (d: string) => rm(d, { recursive: true }), /cannot read the directory: ENOENT/],
    ["no data/scopes.json (a directory not yet populated must not remove every set)", async (d: string) => rm(path.join(d, "data", "scopes.json")), /data\/scopes\.json is missing/],
  ])("refuses %s, naming where", async (_what, spoil, message) => {
    const dir = await fresh();
    await spoil(dir);
    const error = await readPolicyDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyDirError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe.each(testTargets())("POLICY_DIR loaded into the store on $name", (target) => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await target.open();
    dir = await copyOfShipped();
  });
  afterAll(async () => {
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a version only when the directory changed, keeps its sets read-only, removes what it no longer holds", async () => {
    const db = t.handle.db;
    expect(await applyPolicyDir(db, dir)).toEqual({ sets: 1, written: 1, removed: 0 });
    // A second instance (or a restart) with the same directory writes nothing.
    expect(await applyPolicyDir(db, dir)).toEqual({ sets: 1, written: 0, removed: 0 });
    const [row] = await db.select().from(policySets).where(eq(policySets.name, "invoices"));
    expect(row).toMatchObject({ version: 1, source: "directory", updatedBy: "system:policy-dir" });

    const view = new PolicyView(db);
    await view.reload();
    expect(view.forAudience(AUDIENCE)?.version).toBe(1);

    const edit = savePolicySet(ctxFor(db, actorWith("admin")), { name: "invoices", audience: AUDIENCE, text: "forbid (principal, action, resource);", comment: "from the console" });
    await expect(edit).rejects.toThrow(ConflictError);
    await expect(edit).rejects.toThrow(/managed in POLICY_DIR/);

    await writeFile(path.join(dir, "invoices.cedar"), '@id("all") permit (principal, action, resource);');
    expect(await applyPolicyDir(db, dir)).toMatchObject({ written: 1 });
    await view.refresh("invoices");
    expect(view.forAudience(AUDIENCE)?.version).toBe(2);

    await writeFile(path.join(dir, "data", "scopes.json"), JSON.stringify({ sets: {} }));
    await rm(path.join(dir, "invoices.cedar"));
    expect(await applyPolicyDir(db, dir)).toEqual({ sets: 0, written: 0, removed: 1 });
    await view.refresh("invoices");
    expect(view.forAudience(AUDIENCE)).toBeUndefined();
    const versions = await db.select().from(policySetVersions).where(eq(policySetVersions.name, "invoices"));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    const removal = (await db.select().from(auditEvents).where(eq(auditEvents.kind, "policy.changed")).orderBy(auditEvents.id)).map((e) => e.metadata as Record<string, unknown>);
    expect(removal.at(-1)).toMatchObject({ name: "invoices", removed: true, previous_version: 2 });

    // Back in the directory: its history goes on from where it stopped.
    await cp(SHIPPED, dir, { recursive: true });
    expect(await applyPolicyDir(db, dir)).toMatchObject({ written: 1 });
    const [again] = await db.select().from(policySets).where(eq(policySets.name, "invoices"));
    expect(again?.version).toBe(3);
  });

  it("a console set holding the audience refuses the start with the reason", async () => {
    const db = t.handle.db;
    const other = await copyOfShipped();
    try {
      await savePolicySet(ctxFor(db, actorWith("admin")), { name: "console-payroll", audience: "https://payroll.example.com/", text: "", comment: "made by hand" });
      await writeFile(path.join(other, "data", "scopes.json"), JSON.stringify({ sets: { payroll: { audience: "https://payroll.example.com/" } } }));
      await rm(path.join(other, "invoices.cedar"));
      await mkdir(path.join(other, "data"), { recursive: true });
      await expect(applyPolicyDir(db, other)).rejects.toThrow(/set payroll: Another policy set already applies to https:\/\/payroll\.example\.com\//);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
