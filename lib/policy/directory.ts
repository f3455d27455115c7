import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { policySets } from "@/drizzle/schema";
import { systemActor } from "@/lib/access/actor";
import type { Db } from "@/lib/db/types";
import { ConflictError, ValidationError } from "@/lib/errors";
import { getLogger } from "@/lib/observability/logger";
import { sameSchema } from "./engine";
import { MAX_POLICY_BYTES, removeDirectorySet, validateText, writeVersion } from "./store";

/**
 * POLICY_DIR: policy sets kept in Git and loaded at start (GitOps). The layout:
 *
 *   schema.cedarschema   optional; if present it must be Vigil's schema (tooling in the
 *                        repository validates against it, so it must not drift)
 *   data/scopes.json     the sets: audience, mode, selected headers, and the static scope map
 *                        (route → the scopes a token needs to call it)
 *   <name>.cedar         the policies of set <name> (added to what its scope map generates)
 *
 * Every set is checked before any is written: one mistake anywhere and Vigil does not start,
 * naming the file, line and column. Sets written from here are read-only in the console and
 * API; a set the directory no longer holds is removed (its history stays).
 */
export class PolicyDirError extends Error {
  constructor(dir: string, problems: string[]) {
    super(`POLICY_DIR ${dir} refused: ${problems.join("; ")}`);
    this.name = "PolicyDirError";
  }
}

// "GET /tenants/{tenant}/invoices" (one method) or "/health" (any method).
const routeKey = /^(?:([A-Z]{1,16}) )?(\/\S*)$/;
const setSchema = z.strictObject({
  audience: z.url({ protocol: /^https?$/ }).max(2048),
  mode: z.enum(["enforce", "shadow"]).default("enforce"),
  headers: z.array(z.string().regex(/^[a-z0-9-]{1,64}$/, "a lower-case header name")).max(20).default([]),
  /** The static scope map: each route and the scopes its caller's token must hold (all of them). */
  routes: z.record(z.string(), z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, "a scope")).max(50)).default({}),
  /** Templates named for policies without a scope requirement of their own. */
  templates: z.array(z.string().max(512)).max(200).default([]),
}).superRefine((set, ctx) => {
  // Checked here, not as the record's key type: a key's own message then reaches the operator.
  for (const key of Object.keys(set.routes)) {
    if (!routeKey.test(key)) ctx.addIssue({ code: "custom", path: ["routes", key], message: 'a route such as "GET /tenants/{tenant}/invoices" or "/health"' });
  }
});
const scopesFile = z.strictObject({ sets: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a set name: lower-case letters, digits and dashes"), setSchema) });

export type DirectorySet = { name: string; audience: string; mode: "enforce" | "shadow"; text: string; routes: string[]; headers: string[] };

/** Reads and checks the whole directory; throws PolicyDirError listing every problem. */
export async function readPolicyDir(dir: string): Promise<{ sets: DirectorySet[]; digest: string }> {
  const problems: string[] = [];
  const hash = createHash("sha256");
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (error) {
    throw new PolicyDirError(dir, [`cannot read the directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }

  if (entries.includes("schema.cedarschema")) {
    const text = await readFile(path.join(dir, "schema.cedarschema"), "utf8");
    hash.update(text);
    const same = sameSchema(text);
    if (!same.ok) problems.push(`schema.cedarschema ${same.problem}`);
  }

  let declared: z.infer<typeof scopesFile>["sets"] = {};
  // When the scopes file itself is wrong, the .cedar files' "no set names me" would only repeat it.
  let scopesBroken = false;
  const scopesPath = path.join(dir, "data", "scopes.json");
  const scopesText = await readFile(scopesPath, "utf8").catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error)));
  if (scopesText === null) {
    // A directory not yet populated (a late mount, a sync still running) must not read as
    // "remove every set": the scopes file says which sets exist, so it must be there.
    problems.push('data/scopes.json is missing: it names each set and its audience (write {"sets":{}} to remove every directory set on purpose)');
    scopesBroken = true;
  } else {
    hash.update(scopesText);
    let raw: unknown;
    try {
      raw = JSON.parse(scopesText);
    } catch (error) {
      problems.push(`data/scopes.json is not JSON: ${(error as Error).message}`);
      scopesBroken = true;
    }
    const parsed = scopesFile.safeParse(raw);
    if (raw !== undefined && !parsed.success) {
      scopesBroken = true;
      for (const issue of parsed.error.issues.slice(0, 10)) problems.push(`data/scopes.json ${issue.path.join(".") || "(top)"}: ${issue.message}`);
    } else if (parsed.success) {
      declared = parsed.data.sets;
    }
  }

  const files = new Map<string, string>();
  for (const entry of entries.filter((e) => e.endsWith(".cedar"))) {
    const name = entry.slice(0, -".cedar".length);
    const text = await readFile(path.join(dir, entry), "utf8");
    hash.update(entry).update(text);
    if (Buffer.byteLength(text) > MAX_POLICY_BYTES) problems.push(`${entry}: larger than ${MAX_POLICY_BYTES} bytes`);
    else if (!declared[name]) {
      if (!scopesBroken) problems.push(`${entry}: data/scopes.json names no set "${name}" (it says which audience the policies are for)`);
    } else files.set(name, text);
  }

  const sets: DirectorySet[] = [];
  const audiences = new Map<string, string>();
  for (const [name, set] of Object.entries(declared)) {
    const other = audiences.get(set.audience);
    if (other) problems.push(`data/scopes.json: sets "${other}" and "${name}" are both for ${set.audience} (one set per audience)`);
    audiences.set(set.audience, name);
    const file = files.get(name);
    const text = [file, generated(set, file === undefined)].filter((t) => t !== undefined && t !== "").join("\n\n");
    try {
      validateText(text);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const where = file !== undefined ? `${name}.cedar` : `data/scopes.json (set ${name})`;
      for (const field of error.fields.slice(0, 10)) problems.push(`${where}${/^\d/.test(field.message) ? ":" : ": "}${field.message}`);
      continue;
    }
    const routes = [...new Set([...Object.keys(set.routes).map((k) => routeKey.exec(k)?.[2] ?? k), ...set.templates])];
    sets.push({ name, audience: set.audience, mode: set.mode, text, routes, headers: set.headers });
  }
  if (problems.length > 0) throw new PolicyDirError(dir, problems);
  return { sets, digest: hash.digest("hex").slice(0, 12) };
}

/**
 * The scope map as Cedar, after the file's own policies (so positions in the file stay true):
 * one permit per route, requiring all its scopes. A set made of its scope map alone also
 * permits token issuance, exchange and consent for its audience (the static scope checks
 * still apply); a set with a .cedar file says itself who may get tokens.
 */
function generated(set: z.infer<typeof setSchema>, alone: boolean): string {
  // Methods a template names on their own: its method-less entry ("any method") means the others.
  const named = new Map<string, string[]>();
  for (const key of Object.keys(set.routes)) {
    const [, method, template = ""] = routeKey.exec(key) ?? [];
    if (method) named.set(template, [...(named.get(template) ?? []), method]);
  }
  const policies = Object.entries(set.routes).map(([key, scopes]) => {
    const [, method, template = ""] = routeKey.exec(key) ?? [];
    const others = method ? [] : (named.get(template) ?? []);
    const conditions = [
      ...(method ? [`resource.method == ${JSON.stringify(method)}`] : []),
      ...(others.length > 0 ? [`!${JSON.stringify(others)}.contains(resource.method)`] : []),
      `resource.template == ${JSON.stringify(template)}`,
      ...(scopes.length > 0 ? [`context.scopes.containsAll(${JSON.stringify(scopes)})`] : []),
    ];
    return `@id(${JSON.stringify(`scopes:${key}`)})\npermit (principal, action == Vigil::Action::"Call", resource is Vigil::Route)\nwhen { ${conditions.join(" && ")} };`;
  });
  if (alone) policies.unshift(`@id("scopes:tokens")\npermit (principal, action in [Vigil::Action::"IssueToken", Vigil::Action::"ExchangeToken", Vigil::Action::"Authorize"], resource);`);
  return policies.length > 0 ? `// Generated from data/scopes.json\n${policies.join("\n\n")}` : "";
}

/** Loads POLICY_DIR into the store at start: changed sets get a new version, removed sets go. */
export async function applyPolicyDir(db: Db, dir: string): Promise<{ sets: number; written: number; removed: number }> {
  const { sets, digest } = await readPolicyDir(dir);
  const ctx = { db, actor: systemActor("policy-dir"), requestId: `policy-dir-${digest}`, ip: null, userAgent: null };
  const comment = `POLICY_DIR ${path.basename(dir)} (${digest})`;
  let written = 0;
  for (const set of sets) {
    const before = await db.select({ version: policySets.version }).from(policySets).where(eq(policySets.name, set.name));
    const after = await writeVersion(ctx, { ...set, comment, source: "directory", keepIfSame: true }).catch((error: unknown) => {
      // Another set (made in the console) already holds the audience.
      throw error instanceof ConflictError ? new PolicyDirError(dir, [`set ${set.name}: ${error.message}`]) : error;
    });
    if (after.version !== before[0]?.version) written++;
  }
  const names = new Set(sets.map((s) => s.name));
  const managed = await db.select({ name: policySets.name }).from(policySets).where(eq(policySets.source, "directory"));
  let removed = 0;
  for (const { name } of managed) {
    if (names.has(name)) continue;
    await removeDirectorySet(ctx, name, `${comment}: no longer in the directory`);
    removed++;
  }
  getLogger().info({ dir, sets: sets.length, written, removed, digest }, "policy sets loaded from POLICY_DIR");
  return { sets: sets.length, written, removed };
}
