import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiScope } from "@/lib/access/actor";
import { ForbiddenError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { routes } from "./routes";
import type { Route, VerbInput } from "./types";

const scopeRoutes = routes.filter((r): r is Route & { auth: { scope: ApiScope | readonly ApiScope[] } } => "scope" in r.auth);
const scopesOf = (r: (typeof scopeRoutes)[number]) => [r.auth.scope].flat();

// Path parameters that name nothing: a verb may answer 404 or 400, but only after its scope check.
const params = (path: string): VerbInput =>
  Object.fromEntries([...path.matchAll(/:(\w+)/g)].map(([, name]) => [name, "4f0c0000-0000-4000-8000-000000000000"]));

/** Runs a verb as the wrapper would, returning the error it threw (or null), releasing any stream it opened. */
async function outcome(route: Route, scopes: string[], t: TestDatabase): Promise<unknown> {
  const ctx = ctxFor(t.handle.db, actorWith(...scopes));
  try {
    const value = await (route.verb as (ctx: unknown, input: VerbInput) => unknown)(ctx, params(route.path));
    const stream = value instanceof ReadableStream ? value : (value as { stream?: unknown } | null)?.stream;
    if (stream instanceof ReadableStream) await stream.cancel();
    return null;
  } catch (error) {
    return error;
  }
}

/**
 * The wrapper checks the table's scopes; every verb checks its own again (its first line).
 * Both must name the same scopes, or a caller the table admits is refused by the verb (or a
 * verb called from a page forgets a scope the table asked for). Every scope route's verb is
 * called with exactly the table's scopes — no ForbiddenError — and with each one missing —
 * a ForbiddenError naming it.
 */
describe.each(testTargets())("route table and verbs agree on scopes, on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openLikeServer(target);
  });
  afterAll(async () => t?.drop());

  it("covers every scope route", () => {
    expect(scopeRoutes.length).toBeGreaterThan(25);
  });

  it.each(scopeRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))("%s: the table's scopes are enough for the verb", async (_name, route) => {
    const error = await outcome(route, scopesOf(route), t);
    expect(error, String(error)).not.toBeInstanceOf(ForbiddenError);
  });

  it.each(scopeRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))("%s: the verb refuses a caller missing any of them", async (_name, route) => {
    const scopes = scopesOf(route);
    for (const missing of scopes) {
      const error = await outcome(route, scopes.filter((s) => s !== missing), t);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as ForbiddenError).requiredScope).toBe(missing);
    }
  });
});
