import { generateCredential } from "@/lib/identity/credentials/generate";
import { listCredentials } from "@/lib/identity/credentials/list";
import { revokeCredential } from "@/lib/identity/credentials/revoke";
import { rotateCredential } from "@/lib/identity/credentials/rotate";
import { readJson } from "../body";
import { json } from "../problem";
import type { Handler } from "../types";
import { bodyLimit } from "../wrap";
import { emptyBody } from "./input";

// Secrets in responses: never cached by anything in between.
const SECRET = { "Cache-Control": "no-store", Pragma: "no-cache" };

// GET /api/v1/agents/:id/credentials – list credentials (never secrets)
export const list: Handler = async (_req, ctx) => json(await listCredentials(ctx.verb(), ctx.params.id ?? ""));

// POST /api/v1/agents/:id/credentials – generate; the secret is in this response only
export const generate: Handler = async (req, ctx) =>
  json(await generateCredential(ctx.verb(), ctx.params.id ?? "", await readJson(req, bodyLimit())), 201, SECRET);

// POST /api/v1/agents/:id/credentials/:credentialId/rotate – new secret, old one valid for the grace period
export const rotate: Handler = async (req, ctx) =>
  json(
    await rotateCredential(ctx.verb(), ctx.params.id ?? "", ctx.params.credentialId ?? "", await readJson(req, bodyLimit())),
    200,
    SECRET,
  );

// POST /api/v1/agents/:id/credentials/:credentialId/revoke – revoke a credential
export const revoke: Handler = async (req, ctx) => {
  await emptyBody(req);
  return json(await revokeCredential(ctx.verb(), ctx.params.id ?? "", ctx.params.credentialId ?? ""));
};
