import { createAgent } from "@/lib/identity/agents/create";
import { getAgent } from "@/lib/identity/agents/get";
import { listAgents } from "@/lib/identity/agents/list";
import { changeAgentStatus, type StatusAction } from "@/lib/identity/agents/status";
import { updateAgent } from "@/lib/identity/agents/update";
import { readJson } from "../body";
import { json } from "../problem";
import type { Handler } from "../types";
import { bodyLimit } from "../wrap";
import { emptyBody, queryObject } from "./input";

// GET /api/v1/agents – list agents (status, owner, search, cursor)
export const list: Handler = async (_req, ctx) => json(await listAgents(ctx.verb(), queryObject(ctx.url)));

// POST /api/v1/agents – register an agent
export const create: Handler = async (req, ctx) =>
  json(await createAgent(ctx.verb(), await readJson(req, bodyLimit())), 201);

// GET /api/v1/agents/:id – one agent
export const get: Handler = async (_req, ctx) => json(await getAgent(ctx.verb(), ctx.params.id ?? ""));

// PATCH /api/v1/agents/:id – change an agent's fields
export const update: Handler = async (req, ctx) =>
  json(await updateAgent(ctx.verb(), ctx.params.id ?? "", await readJson(req, bodyLimit())));

const transition =
  (action: StatusAction): Handler =>
  async (req, ctx) => {
    await emptyBody(req);
    return json(await changeAgentStatus(ctx.verb(), ctx.params.id ?? "", action));
  };

// POST /api/v1/agents/:id/suspend – no new tokens until reactivated
export const suspend = transition("suspend");
// POST /api/v1/agents/:id/reactivate – back to active
export const reactivate = transition("reactivate");
// POST /api/v1/agents/:id/decommission – final; revokes every credential
export const decommission = transition("decommission");
