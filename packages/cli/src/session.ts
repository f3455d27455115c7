import { VigilClient } from "@vigil/client";
import { readStored, writeStored, type Stored } from "./config";
import { CliError, EXIT } from "./exit-codes";
import type { Io } from "./output";

export const USER_AGENT = "vigil-cli/0.1";
/** A token this close to its expiry is treated as expired: the call must not outlive it. */
const MARGIN_MS = 30_000;

export type Session = { client: VigilClient; url: string; token: () => Promise<string> };

export const client = (url: string, token?: () => Promise<string>) => new VigilClient({ baseUrl: url, userAgent: USER_AGENT, token });

/** Asks for a token with client credentials and keeps it (and the secret only if told to). */
export async function obtainToken(io: Io, url: string, clientId: string, secret: string, opts: { save: "token" | "token+secret" | "nothing"; scope?: string }) {
  const response = await client(url).token(clientId, secret, opts.scope);
  const stored: Stored = {
    url,
    client_id: clientId,
    access_token: response.access_token,
    expires_at: new Date(Date.now() + response.expires_in * 1000).toISOString(),
    scope: response.scope,
    ...(opts.save === "token+secret" ? { client_secret: secret } : {}),
  };
  const file = opts.save === "nothing" ? null : await writeStored(io.env, stored);
  return { stored, file };
}

/**
 * The client for a command: the stored login (URL and token), or VIGIL_URL with
 * VIGIL_CLIENT_ID/VIGIL_CLIENT_SECRET for scripts that never log in. An expired token is
 * renewed only from a saved secret (login --save-secret) or those variables; otherwise the
 * command stops with exit code 3 and says to log in again.
 */
export async function openSession(io: Io): Promise<Session> {
  const stored = await readStored(io.env);
  const envUrl = io.env.VIGIL_URL?.replace(/\/+$/, "");
  const url = envUrl || stored?.url;
  if (!url) throw new CliError(EXIT.AUTH, "not logged in: run `vigil login --url URL --client-id ID` (or set VIGIL_URL, VIGIL_CLIENT_ID and VIGIL_CLIENT_SECRET)");
  let current = stored && stored.url === url ? stored : null;

  const token = async () => {
    if (current && Date.parse(current.expires_at) - Date.now() > MARGIN_MS) return current.access_token;
    const envId = io.env.VIGIL_CLIENT_ID;
    const envSecret = io.env.VIGIL_CLIENT_SECRET;
    if (current?.refresh_token) {
      // A person's login: the refresh token is rotated on every use, so the new one is kept.
      const { publicTokenRequest, storedFrom } = await import("./commands/browser-login");
      const answer = await publicTokenRequest(url, { grant_type: "refresh_token", refresh_token: current.refresh_token, client_id: current.client_id });
      current = storedFrom(url, current.client_id, { ...answer, refresh_token: answer.refresh_token ?? current.refresh_token });
      await writeStored(io.env, current);
      return current.access_token;
    }
    if (current?.client_secret) {
      current = (await obtainToken(io, url, current.client_id, current.client_secret, { save: "token+secret" })).stored;
      return current.access_token;
    }
    if (envId && envSecret) {
      // A stored login for this URL keeps its file up to date; a script's token stays in memory.
      current = (await obtainToken(io, url, envId, envSecret, { save: current ? "token" : "nothing" })).stored;
      return current.access_token;
    }
    if (current) throw new CliError(EXIT.AUTH, `the token expired at ${current.expires_at}: run \`vigil login\` again (or log in with --save-secret to renew it automatically)`);
    throw new CliError(EXIT.AUTH, `not logged in to ${url}: run \`vigil login --url ${url}\``);
  };
  return { client: client(url, token), url, token };
}
