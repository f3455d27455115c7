import { and, eq, or, sql } from "drizzle-orm";
import { people } from "@/drizzle/schema";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { ChangeCache } from "@/lib/process/change-cache";
import { perObject } from "@/lib/process/singleton";
import type { PolicyPerson } from "./entities";

// As agent facts: organisation membership changes rarely, and a request without claims of
// its own (a Vigil token) sees it as of the person's last sign-in or provider token, at most
// 30 s late on this instance.
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

type Facts = { roles: string[]; groups: string[] };
type Known = { roles?: readonly string[] | undefined; groups?: readonly string[] | undefined };
const key = (issuer: string, sub: string) => `${issuer}\u0000${sub}`;
const readCache = (db: Db) => perObject("policy-person-facts", db, () => new ChangeCache<Facts>(TTL_MS));

/**
 * Remembers a person's roles and groups from claims just verified (a sign-in's consent, a
 * provider token), only what the claims said (a claim left out keeps what was known). The
 * write is never waited for (a failure is logged, the request goes on) and happens when the
 * facts changed or every 30 s at most: another instance may have written other facts since,
 * and the latest claims must win there too.
 */
export function recordPersonFacts(db: Db, person: { issuer: string; sub: string } & Known): void {
  if (!person.roles && !person.groups) return;
  const written = perObject("policy-person-written", db, () => new Map<string, { value: string; at: number }>());
  const k = key(person.issuer, person.sub);
  const value = JSON.stringify([person.roles ?? null, person.groups ?? null]);
  const last = written.get(k);
  if (last && last.value === value && Date.now() - last.at < TTL_MS) return;
  if (written.size >= MAX_ENTRIES) written.clear();
  written.set(k, { value, at: Date.now() });
  const roles = person.roles ? [...person.roles] : undefined;
  const groups = person.groups ? [...person.groups] : undefined;
  // This instance's readers see the new facts at once, not the row before the write lands.
  if (roles && groups) readCache(db).put(k, { roles, groups });
  else readCache(db).drop((cached) => cached === k);
  db.insert(people)
    .values({ issuer: person.issuer, sub: person.sub, roles: roles ?? [], groups: groups ?? [] })
    .onConflictDoUpdate({
      target: [people.issuer, people.sub],
      set: { ...(roles ? { roles } : {}), ...(groups ? { groups } : {}), seenAt: sql`now()` },
      // Unchanged facts are not rewritten (no row churn on a busy gateway).
      where: or(
        ...(roles ? [sql`${people.roles} is distinct from ${sql`excluded.roles`}`] : []),
        ...(groups ? [sql`${people.groups} is distinct from ${sql`excluded.groups`}`] : []),
      ),
    })
    .then(
      () => undefined,
      (error: unknown) => {
        written.delete(k);
        getLogger().warn({ err: error }, "could not record a person's roles and groups");
      },
    );
}

/** The person with roles and groups: what their request's claims said, the rest as Vigil last saw it. */
export async function withPersonFacts(db: Db, person: PolicyPerson): Promise<PolicyPerson & Facts> {
  if (person.roles !== undefined && person.groups !== undefined) return { ...person, roles: [...person.roles], groups: [...person.groups] };
  const known = await readCache(db).getOrLoad(key(person.issuer, person.sub), async () => {
    const [row] = await db.select({ roles: people.roles, groups: people.groups }).from(people).where(and(eq(people.issuer, person.issuer), eq(people.sub, person.sub)));
    return row;
  });
  return { ...person, roles: person.roles ? [...person.roles] : (known?.roles ?? []), groups: person.groups ? [...person.groups] : (known?.groups ?? []) };
}
