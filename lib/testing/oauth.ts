import type { ClientCtx, PopRequest } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { formObject } from "@/lib/http/body";
import { authenticateClientRequest } from "@/lib/identity/credentials/authenticate-client";
import { OAuthError } from "@/lib/identity/oauth-error";
import type { OAuthForm } from "@/lib/identity/oauth-params";

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

const facts = { requestId: "req-1", ip: "10.0.0.9", userAgent: "agent/1.0" };

/** A form body as the wrapper reads it (a repeated field becomes a list). */
export function oauthForm(fields: Record<string, string | string[]>): OAuthForm {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) p.append(k, one);
  return formObject(p);
}

/** Calls an OAuth verb as the route wrapper does: client authentication once, then the verb. */
export async function asClient<T>(
  db: Db,
  verb: (ctx: ClientCtx, form: OAuthForm) => Promise<T>,
  endpoint: string,
  authorization: string | null,
  fields: Record<string, string | string[]>,
  pop?: PopRequest,
): Promise<T> {
  const body = oauthForm(fields);
  const ctx = await authenticateClientRequest({ ...facts, db }, authorization, body, endpoint);
  return verb(pop ? { ...ctx, pop } : ctx, body);
}

/** The OAuthError a call failed with, or null when it succeeded. */
export const oauthError = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof OAuthError ? e : Promise.reject(e)));
