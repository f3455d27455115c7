import { listSigningKeys, rotateSigningKey } from "@/lib/identity/keys/rotate";
import { readJson } from "../body";
import { json } from "../problem";
import type { Handler } from "../types";
import { bodyLimit } from "../wrap";

// GET /api/v1/keys – published signing keys and when each signs
export const list: Handler = async (_req, ctx) => json(listSigningKeys(ctx.verb()));

// POST /api/v1/keys/rotate – publish a new key now, sign with it after the delay
export const rotate: Handler = async (req, ctx) =>
  json(await rotateSigningKey(ctx.verb(), await readJson(req, bodyLimit())), 201);
