import { eq } from "drizzle-orm";
import { z } from "zod";
import { policySets } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { agentFacts } from "./agent-facts";
import { withPersonFacts } from "./person-facts";
import { decideWith, type PolicyEntity, type Uid } from "./engine";
import { agentEntity, agentUid, audienceUid, contextOf, personEntity, routeEntity } from "./entities";
import { routeMatcher } from "./routes";
import { POLICY_ACTIONS } from "./schema";
import { MAX_POLICY_BYTES, validateText } from "./store";

export const whatIfInput = z
  .strictObject({
    /** A saved set by name, or a draft's text (the console's editor) with its route templates. */
    set: z.string().max(63).optional(),
    text: z.string().max(MAX_POLICY_BYTES).optional(),
    routes: z.array(z.string().max(512)).max(200).default([]),
    audience: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    action: z.enum(POLICY_ACTIONS),
    principal: z.union([
      z.strictObject({ agent_id: z.uuid() }),
      z.strictObject({
        person: z.strictObject({
          issuer: z.string().min(1).max(2048),
          sub: z.string().min(1).max(255),
          scopes: z.array(z.string().max(200)).max(100).default([]),
          // Left out: as Vigil last saw them (their last sign-in or provider token).
          roles: z.array(z.string().max(256)).max(100).optional(),
          groups: z.array(z.string().max(256)).max(100).optional(),
        }),
      }),
    ]),
    /** For a person's delegated request: the agent acting for them. */
    actor_agent_id: z.uuid().optional(),
    route: z.strictObject({ method: z.string().regex(/^[A-Z]{1,16}$/), path: z.string().startsWith("/").max(2048), headers: z.record(z.string().regex(/^[a-z0-9-]{1,64}$/), z.string().max(1024)).default({}) }).optional(),
    context: z
      .strictObject({
        time: z.iso.datetime({ offset: true }).optional(),
        ip: z.string().max(45).optional(),
        dpop_bound: z.boolean().default(false),
        delegation_depth: z.number().int().min(0).max(10).optional(),
        scopes: z.array(z.string().max(200)).max(100).default([]),
      })
      .default({ dpop_bound: false, scopes: [] }),
  })
  .refine((v) => v.set !== undefined || v.text !== undefined, { message: "name a saved set, or send a draft's text", path: ["set"] })
  .refine((v) => v.action !== "Call" || v.route !== undefined, { message: "a Call decision needs the route (method, path)", path: ["route"] });

/**
 * "What if": the decision a saved set, or a draft not yet saved, would make for a request the
 * operator describes, and which policies decided it. Nothing is recorded or counted: it is a
 * question, not a decision anyone acts on.
 */
export async function whatIf(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const q = parseInput(whatIfInput, raw);
  let text = q.text;
  let routes = q.routes;
  let audience = q.audience;
  if (q.set !== undefined && text === undefined) {
    const [row] = await ctx.db.select().from(policySets).where(eq(policySets.name, q.set));
    if (!row) throw new NotFoundError(`No policy set named ${q.set}.`);
    text = row.text;
    routes = row.routes;
    audience ??= row.audience;
  }
  if (!audience) throw new ValidationError("Name the audience the request is for.", [{ path: "audience", message: "required with a draft" }]);
  const parsed = validateText(text ?? "");

  const entities: PolicyEntity[] = [];
  let principal: Uid;
  if ("agent_id" in q.principal) {
    const agent = await agentFacts(ctx.db, q.principal.agent_id);
    if (!agent) throw new NotFoundError(`No agent ${q.principal.agent_id}.`);
    entities.push(agentEntity(agent));
    principal = agentUid(agent.id);
  } else {
    const { roles, groups, ...named } = q.principal.person;
    const known = await withPersonFacts(ctx.db, { ...named, scopes: new Set(named.scopes) });
    const person = personEntity({ ...known, ...(roles ? { roles } : {}), ...(groups ? { groups } : {}) });
    entities.push(person);
    principal = person.uid;
  }
  if (q.actor_agent_id) {
    const acting = await agentFacts(ctx.db, q.actor_agent_id);
    if (!acting) throw new NotFoundError(`No agent ${q.actor_agent_id}.`);
    entities.push(agentEntity(acting));
  }
  let resource = audienceUid(audience);
  let matched: string | null = null;
  if (q.action === "Call" && q.route) {
    const match = routeMatcher(routes)(q.route.path);
    matched = match?.template ?? null;
    const route = routeEntity(audience, q.route.method, q.route.path, match, q.route.headers);
    entities.push(route);
    resource = route.uid;
  }
  const context = contextOf({
    now: q.context.time ? new Date(q.context.time) : new Date(),
    ip: q.context.ip ?? null,
    dpopBound: q.context.dpop_bound,
    delegationDepth: q.context.delegation_depth ?? (q.actor_agent_id ? 1 : 0),
    scopes: q.context.scopes,
    ...(q.actor_agent_id ? { actor: agentUid(q.actor_agent_id) } : {}),
  });
  const decision = decideWith(parsed, { principal, action: q.action, resource, context, entities });
  return { decision: decision.allow ? "allow" : "deny", policies: decision.policies, errors: decision.errors, route_template: matched };
}
