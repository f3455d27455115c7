import { createTwoFilesPatch } from "diff";
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { policySets, policySetVersions } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import type { Executor } from "@/lib/db/types";
import { isUniqueViolation } from "@/lib/db/errors";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import { parseWithParams } from "@/lib/validation";
import { checkPolicies, policyIds, type ParsedPolicies } from "./engine";
import { policyNotice } from "./notice";

/** Policy text is refused past this size (1 MiB), and a set past this many policies. */
export const MAX_POLICY_BYTES = 1024 * 1024;
export const MAX_POLICIES = 5000;
// The diff kept in the audit event: enough to read the change, bounded like every event.
const MAX_DIFF_CHARS = 8000;
const capped = (diff: string) => (diff.length > MAX_DIFF_CHARS ? `${diff.slice(0, MAX_DIFF_CHARS)}\n… (${diff.length - MAX_DIFF_CHARS} more characters)` : diff);

// `/tenants/{tenant}/invoices/{id}`: literal segments and whole-segment parameters.
const routeTemplate = z
  .string()
  .max(512)
  .regex(/^(\/([A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[a-z_][a-z0-9_]*\}))+\/?$|^\/$/, "a path template: /segments, with {name} for a whole segment");
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lower-case letters, digits and dashes, 1-63, starting with a letter or digit");
export const savePolicyInput = z.strictObject({
  audience: z.url({ protocol: /^https?$/ }).max(2048),
  mode: z.enum(["enforce", "shadow"]).default("enforce"),
  text: z.string().max(MAX_POLICY_BYTES),
  routes: z.array(routeTemplate).max(200).default([]),
  headers: z.array(z.string().regex(/^[a-z0-9-]{1,64}$/, "a lower-case header name")).max(20).default([]),
  comment: z.string().trim().min(1, "say why (a comment is kept with the version)").max(500),
  /** The version the change was made from: a concurrent change in between is a 409, not lost. */
  base_version: z.number().int().min(0).optional(),
});
export const rollbackPolicyInput = z.strictObject({ version: z.number().int().min(1), comment: z.string().trim().max(500).optional() });

export type PolicySetView = {
  name: string;
  audience: string;
  mode: "enforce" | "shadow";
  source: "console" | "directory";
  version: number;
  text: string;
  routes: string[];
  headers: string[];
  updated_by: string;
  updated_at: string;
  policies: string[];
};

function view(row: typeof policySets.$inferSelect): PolicySetView {
  return {
    name: row.name,
    audience: row.audience,
    mode: row.mode as PolicySetView["mode"],
    source: row.source as PolicySetView["source"],
    version: row.version,
    text: row.text,
    routes: row.routes,
    headers: row.headers,
    updated_by: row.updatedBy,
    updated_at: row.updatedAt.toISOString(),
    // Validated when saved: listing only splits it into its policies.
    policies: policyIds(row.text),
  };
}

export async function listPolicySets(ctx: VerbCtx): Promise<{ sets: PolicySetView[] }> {
  requireScope(ctx.actor, "audit:read");
  const rows = await ctx.db.select().from(policySets).orderBy(policySets.name);
  return { sets: rows.map(view) };
}

export async function getPolicySet(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const { params } = parseWithParams(raw, ["name"]);
  const set = await findSet(ctx.db, params.name);
  const versions = await ctx.db
    .select({ version: policySetVersions.version, mode: policySetVersions.mode, comment: policySetVersions.comment, author: policySetVersions.author, created_at: policySetVersions.createdAt })
    .from(policySetVersions)
    .where(eq(policySetVersions.name, set.name))
    .orderBy(desc(policySetVersions.version));
  return { ...view(set), versions: versions.map((v) => ({ ...v, created_at: v.created_at.toISOString() })) };
}

export async function getPolicyVersion(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const { params } = parseWithParams(raw, ["name", "version"]);
  const version = Number(params.version);
  const [row] = Number.isInteger(version)
    ? await ctx.db.select().from(policySetVersions).where(and(eq(policySetVersions.name, params.name), eq(policySetVersions.version, version)))
    : [];
  if (!row) throw new NotFoundError(`Policy set ${params.name} has no version ${params.version}.`);
  return { name: row.name, version: row.version, audience: row.audience, mode: row.mode, text: row.text, routes: row.routes, headers: row.headers, comment: row.comment, author: row.author, created_at: row.createdAt.toISOString() };
}

/**
 * Creates or changes a policy set: validated against Vigil's schema first (problems with line
 * and column; nothing saved), then the new version, the set and `policy.changed` (with the
 * diff) commit together, and every instance loads it within a second.
 */
export async function savePolicySet(ctx: VerbCtx, raw: unknown): Promise<PolicySetView> {
  requireScope(ctx.actor, "admin");
  const { params, input } = parseWithParams(raw, ["name"], savePolicyInput);
  const setName = parseName(params.name);
  validateText(input.text);
  return writeVersion(ctx, { name: setName, audience: input.audience, mode: input.mode, text: input.text, routes: input.routes, headers: input.headers, comment: input.comment, baseVersion: input.base_version, source: "console" });
}

/** Makes an earlier version current again, as a new version (history only grows). */
export async function rollbackPolicySet(ctx: VerbCtx, raw: unknown): Promise<PolicySetView> {
  requireScope(ctx.actor, "admin");
  const { params, input } = parseWithParams(raw, ["name"], rollbackPolicyInput);
  const [old] = await ctx.db.select().from(policySetVersions).where(and(eq(policySetVersions.name, params.name), eq(policySetVersions.version, input.version)));
  if (!old) throw new NotFoundError(`Policy set ${params.name} has no version ${input.version}.`);
  // Checked again: the schema may have grown stricter since that version was saved.
  validateText(old.text);
  const comment = `rollback to version ${old.version}${input.comment ? `: ${input.comment}` : ""}`;
  return writeVersion(ctx, { name: old.name, audience: old.audience, mode: old.mode as "enforce" | "shadow", text: old.text, routes: old.routes, headers: old.headers, comment, source: "console" });
}

type Write = {
  name: string;
  audience: string;
  mode: "enforce" | "shadow";
  text: string;
  routes: string[];
  headers: string[];
  comment: string;
  baseVersion?: number | undefined;
  source: "console" | "directory";
  /** The POLICY_DIR loader: a set already holding exactly this is left as it is (every instance loads the same directory at start). */
  keepIfSame?: boolean;
};

const sameAs = (row: typeof policySets.$inferSelect, w: Write) =>
  row.source === w.source && row.audience === w.audience && row.mode === w.mode && row.text === w.text && JSON.stringify(row.routes) === JSON.stringify(w.routes) && JSON.stringify(row.headers) === JSON.stringify(w.headers);

/** The one write of a version, for the API, rollback and the POLICY_DIR loader. */
export async function writeVersion(ctx: Pick<VerbCtx, "db" | "actor" | "requestId" | "ip" | "userAgent">, w: Write): Promise<PolicySetView> {
  // no-scope: savePolicySet and rollbackPolicySet require admin before calling; the POLICY_DIR loader is the system.
  try {
    return await commit(ctx, async (tx) => {
      // One writer per set name at a time, the set's first version too (no row to lock yet):
      // two replicas loading one POLICY_DIR, or two admins creating one name, queue here.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`vigil-policy-set:${w.name}`}))`);
      const [before] = await tx.select().from(policySets).where(eq(policySets.name, w.name)).for("update");
      if (before?.source === "directory" && w.source !== "directory") {
        throw new ConflictError(`Policy set ${w.name} is managed in POLICY_DIR; change it there (the console and API only read it).`);
      }
      if (before && w.keepIfSame && sameAs(before, w)) return { value: view(before), events: [] };
      // A set that does not exist is at version 0 for a concurrent-edit check; one removed from
      // POLICY_DIR and made again continues its history's numbering.
      if (w.baseVersion !== undefined && w.baseVersion !== (before?.version ?? 0)) {
        throw new ConflictError(`Policy set ${w.name} is at version ${before?.version ?? 0}, not ${w.baseVersion}: someone changed it meanwhile. Reload and apply your change again.`);
      }
      const current = before?.version ?? (await lastVersion(tx, w.name));
      const version = current + 1;
      const by = ctx.actor.label;
      const [row] = await tx
        .insert(policySets)
        .values({ name: w.name, audience: w.audience, mode: w.mode, source: w.source, version, text: w.text, routes: w.routes, headers: w.headers, updatedBy: by })
        .onConflictDoUpdate({ target: policySets.name, set: { audience: w.audience, mode: w.mode, source: w.source, version, text: w.text, routes: w.routes, headers: w.headers, updatedBy: by, updatedAt: new Date() } })
        .returning();
      if (!row) throw new Error("upsert returned no policy set");
      await tx.insert(policySetVersions).values({ name: w.name, version, audience: w.audience, mode: w.mode, text: w.text, routes: w.routes, headers: w.headers, comment: w.comment, author: by });
      const diff = createTwoFilesPatch(`${w.name}@${current}`, `${w.name}@${version}`, before?.text ?? "", w.text, undefined, undefined, { context: 2 });
      return {
        value: view(row),
        events: [
          {
            kind: "policy.changed",
            outcome: "success",
            metadata: {
              name: w.name,
              version,
              previous_version: current,
              audience: w.audience,
              mode: w.mode,
              ...(before && before.mode !== w.mode ? { previous_mode: before.mode } : {}),
              source: w.source,
              comment: w.comment,
              diff: capped(diff),
            },
          },
        ],
        notices: [policyNotice({ name: w.name, version })],
      };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`Another policy set already applies to ${w.audience}: one set per audience.`);
    throw error;
  }
}

/**
 * Removes a set that POLICY_DIR no longer holds (its versions stay as history): the directory
 * is the truth for the sets it manages. Sets made in the console are never removed this way.
 */
export async function removeDirectorySet(ctx: Pick<VerbCtx, "db" | "actor" | "requestId" | "ip" | "userAgent">, setName: string, comment: string): Promise<void> {
  // no-scope: the POLICY_DIR loader, run by the system at start.
  await commit(ctx, async (tx) => {
    const [before] = await tx.delete(policySets).where(and(eq(policySets.name, setName), eq(policySets.source, "directory"))).returning();
    if (!before) return { value: undefined, events: [] };
    const diff = createTwoFilesPatch(`${setName}@${before.version}`, `${setName}@removed`, before.text, "", undefined, undefined, { context: 0 });
    return {
      value: undefined,
      events: [{ kind: "policy.changed", outcome: "success", metadata: { name: setName, version: null, previous_version: before.version, audience: before.audience, removed: true, source: "directory", comment, diff: capped(diff) } }],
      notices: [policyNotice({ name: setName, version: before.version + 1 })],
    };
  });
}


function parseName(raw: string): string {
  const parsed = name.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`Invalid policy set name: ${parsed.error.issues[0]?.message ?? "bad name"}.`, [{ path: "name", message: parsed.error.issues[0]?.message ?? "bad name" }]);
  return parsed.data;
}

/** Refuses text the engine does not accept, with every problem's line and column; else its policies. */
export function validateText(text: string): ParsedPolicies {
  const checked = checkPolicies(text);
  if (!checked.ok) {
    const fields = checked.problems.map((p) => ({ path: "text", line: p.line, column: p.column, message: `${p.line}:${p.column}: ${p.message}${p.help ? ` (${p.help})` : ""}`, ...(p.policy ? { policy: p.policy } : {}) }));
    throw new ValidationError(`The policies do not validate against Vigil's schema: ${fields[0]?.message ?? ""}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ""}`, fields);
  }
  if (checked.parsed.ids.length > MAX_POLICIES) {
    throw new ValidationError(`A policy set holds at most ${MAX_POLICIES} policies; this one has ${checked.parsed.ids.length}. Split it by audience.`, [{ path: "text", message: "too many policies" }]);
  }
  return checked.parsed;
}

async function lastVersion(db: Executor, setName: string): Promise<number> {
  const [row] = await db.select({ version: policySetVersions.version }).from(policySetVersions).where(eq(policySetVersions.name, setName)).orderBy(desc(policySetVersions.version)).limit(1);
  return row?.version ?? 0;
}

async function findSet(db: Executor, setName: string) {
  const [row] = await db.select().from(policySets).where(eq(policySets.name, setName));
  if (!row) throw new NotFoundError(`No policy set named ${setName}.`);
  return row;
}
