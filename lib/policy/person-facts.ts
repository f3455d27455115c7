import { and, eq, sql } from "drizzle-orm";
import { people } from "@/drizzle/schema";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { perObject } from "@/lib/process/singleton";
import type { PolicyPerson } from "./entities";

// As agent facts: organisation membership changes rarely, and a request without claims of
// its own (a Vigil token) sees it as of the person's last sign-in or provider token, at most
// 30 s late on this instance.
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

type Facts = { roles: string[]; groups: string[] };
const key = (issuer: string, sub: string) => `${issuer}\u0000${sub}`;

/**
 * Remembers a person's roles and groups from claims just verified (a sign-in, a provider
 * token): written only when they differ from what this instance last wrote, and never
 * waited for — a failure is logged, the request goes on.
 */
export function recordPersonFacts(db: Db, person: { issuer: string; sub: string } & Facts): void {
  const written = perObject("policy-person-written", db, () => new Map<string, string>());
  const k = key(person.issuer, person.sub);
  const value = JSON.stringify([person.roles, person.groups]);
  if (written.get(k) === value) return;
  if (written.size >= MAX_ENTRIES) written.clear();
  written.set(k, value);
  perObject("policy-person-facts", db, () => new Map<string, { facts: Facts | null; at: number }>()).set(k, { facts: { roles: person.roles, groups: person.groups }, at: Date.now() });
  db.insert(people)
    .values({ issuer: person.issuer, sub: person.sub, roles: person.roles, groups: person.groups })
    .onConflictDoUpdate({ target: [people.issuer, people.sub], set: { roles: person.roles, groups: person.groups, seenAt: sql`now()` } })
    .then(
      () => undefined,
      (error: unknown) => {
        written.delete(k);
        getLogger().warn({ err: error }, "could not record a person's roles and groups");
      },
    );
}

/** The person with their roles and groups: their own claims' when the request had them, else what Vigil last saw. */
export async function withPersonFacts(db: Db, person: PolicyPerson): Promise<PolicyPerson> {
  if (person.roles !== undefined && person.groups !== undefined) return person;
  const cache = perObject("policy-person-facts", db, () => new Map<string, { facts: Facts | null; at: number }>());
  const k = key(person.issuer, person.sub);
  let hit = cache.get(k);
  if (!hit || Date.now() - hit.at >= TTL_MS) {
    const [row] = await db.select({ roles: people.roles, groups: people.groups }).from(people).where(and(eq(people.issuer, person.issuer), eq(people.sub, person.sub)));
    if (cache.size >= MAX_ENTRIES) cache.clear();
    hit = { facts: row ?? null, at: Date.now() };
    cache.set(k, hit);
  }
  return { ...person, roles: hit.facts?.roles ?? [], groups: hit.facts?.groups ?? [] };
}
