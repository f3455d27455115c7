import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Stored } from "../config";
import { CliError, EXIT } from "../exit-codes";
import type { Io } from "../output";
import { OAuthError } from "@vigil/client";
import { client } from "../session";

const b64url = (bytes: Buffer) => bytes.toString("base64url");

type TokenAnswer = { access_token: string; expires_in: number; scope?: string; refresh_token?: string };

/**
 * The token endpoint as a public client, through the client's own transport; a refusal
 * (an expired or reused refresh token, a bad code) means logging in again: exit 3.
 */
export async function publicTokenRequest(url: string, form: Record<string, string>): Promise<TokenAnswer> {
  try {
    return await client(url).publicToken(form);
  } catch (error) {
    if (error instanceof OAuthError && (error.status ?? 500) < 500) throw new CliError(EXIT.AUTH, `the token endpoint refused: ${error.message}`);
    throw error;
  }
}

export const storedFrom = (url: string, clientId: string, answer: TokenAnswer): Stored => ({
  url,
  client_id: clientId,
  access_token: answer.access_token,
  expires_at: new Date(Date.now() + answer.expires_in * 1000).toISOString(),
  scope: answer.scope ?? "",
  ...(answer.refresh_token ? { refresh_token: answer.refresh_token } : {}),
});

const PAGE = (text: string) => `<!doctype html><meta charset="utf-8"><title>vigil login</title><p>${text}</p>`;

/**
 * A person's login (OAuth authorization code + PKCE S256, RFC 8252 for native apps): the CLI
 * listens on a loopback port, prints the authorization URL (and opens a browser when asked),
 * the person signs in at the organisation's provider and approves on Vigil's consent page,
 * and Vigil redirects back to the loopback with a code the CLI redeems with its verifier.
 * The agent behind `clientId` is a public client registering `http://127.0.0.1/callback`.
 */
export async function browserLogin(io: Io, url: string, clientId: string, opts: { scope?: string; open: boolean; timeoutMs: number }): Promise<Stored> {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash("sha256").update(verifier).digest());
  const state = b64url(randomBytes(16));
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const authorize = new URL(`${url}/api/v1/authorize`);
  for (const [k, v] of Object.entries({ response_type: "code", client_id: clientId, redirect_uri: redirectUri, state, code_challenge: challenge, code_challenge_method: "S256", ...(opts.scope ? { scope: opts.scope } : {}) })) {
    authorize.searchParams.set(k, v);
  }
  try {
    const callback = new Promise<URLSearchParams>((resolve) => {
      server.on("request", (req, res) => {
        const at = new URL(req.url ?? "/", redirectUri);
        if (at.pathname !== "/callback") return void res.writeHead(404).end();
        const ok = at.searchParams.has("code") && at.searchParams.get("state") === state;
        res.writeHead(ok ? 200 : 400, { "content-type": "text/html; charset=utf-8" }).end(PAGE(ok ? "Logged in: you can close this window and return to the terminal." : "Login failed: see the terminal."));
        resolve(at.searchParams);
      });
    });
    io.err(`Open this address in a browser to sign in and approve the vigil CLI:\n\n  ${authorize}\n\nWaiting for the answer on ${redirectUri} …\n`);
    if (opts.open) openBrowser(authorize.toString());
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CliError(EXIT.AUTH, `no answer from the browser within ${Math.round(opts.timeoutMs / 1000)} s`)), opts.timeoutMs);
    });
    const params = await Promise.race([callback, late]).finally(() => clearTimeout(timer));
    const error = params.get("error");
    if (error) throw new CliError(EXIT.AUTH, `authorization refused: ${error}${params.get("error_description") ? `: ${params.get("error_description")}` : ""}`);
    // RFC 6749 §10.12: an answer to a request this CLI did not make is not taken.
    if (params.get("state") !== state) throw new CliError(EXIT.AUTH, "the browser's answer does not carry this login's state: refused");
    const code = params.get("code");
    if (!code) throw new CliError(EXIT.AUTH, "the browser's answer has no code");
    const answer = await publicTokenRequest(url, { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId });
    return storedFrom(url, clientId, answer);
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

/** Best effort: the URL is printed either way. */
function openBrowser(target: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    spawn(command, [target], { stdio: "ignore", detached: true }).on("error", () => {}).unref();
  } catch {
    // no opener on this machine: the printed address is enough
  }
}
