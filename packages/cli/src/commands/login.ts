import type { Command } from "commander";
import { configPath, readStored, removeStored, writeStored } from "../config";
import { browserLogin } from "./browser-login";
import { CliError, EXIT } from "../exit-codes";
import { json, keyValues, type Io } from "../output";
import { jsonOption, type Ctx } from "../program";
import { obtainToken, openSession } from "../session";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(EXIT.USAGE, `--url must be an absolute URL such as https://vigil.example.com (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new CliError(EXIT.USAGE, "--url must be http(s)");
  return url.origin + url.pathname.replace(/\/+$/, "");
}

async function secretFrom(io: Io, opts: { clientSecret?: string; clientSecretStdin?: boolean }): Promise<string | undefined> {
  if (opts.clientSecretStdin) return (await readAll(io.stdin)).trim();
  return opts.clientSecret ?? io.env.VIGIL_CLIENT_SECRET;
}

export function registerLogin(program: Command, { io, run }: Ctx): void {
  program
    .command("login")
    .description("log in with client credentials, or as a person in a browser (--browser); the token is kept in $XDG_CONFIG_HOME/vigil/config.json (mode 0600)")
    .option("--url <url>", "Vigil's base URL (env VIGIL_URL)")
    .option("--client-id <id>", "the client ID (env VIGIL_CLIENT_ID)")
    .option("--client-secret <secret>", "the client secret (env VIGIL_CLIENT_SECRET; prefer the variable or --client-secret-stdin: arguments show in `ps`)")
    .option("--client-secret-stdin", "read the client secret from stdin")
    .option("--scope <scopes>", "ask for these scopes only (space-separated)")
    .option("--save-secret", "also keep the client secret in the config file so expired tokens are renewed without logging in again")
    .option("--browser", "log in as a person: sign in at your organisation's provider and approve on Vigil's consent page (authorization code + PKCE to a loopback address); --client-id names a public client registering http://127.0.0.1/callback")
    .option("--open", "with --browser: also open the address in the default browser")
    .option("--timeout <seconds>", "with --browser: how long to wait for the browser", "300")
    .addOption(jsonOption())
    .action(
      run(async (opts: { url?: string; clientId?: string; clientSecret?: string; clientSecretStdin?: boolean; scope?: string; saveSecret?: boolean; json?: boolean; browser?: boolean; open?: boolean; timeout: string }) => {
        const stored = await readStored(io.env);
        const rawUrl = opts.url ?? io.env.VIGIL_URL ?? stored?.url;
        const clientId = opts.clientId ?? io.env.VIGIL_CLIENT_ID ?? stored?.client_id;
        if (!rawUrl) throw new CliError(EXIT.USAGE, "login needs --url (or VIGIL_URL)");
        if (!clientId) throw new CliError(EXIT.USAGE, "login needs --client-id (or VIGIL_CLIENT_ID)");
        if (opts.browser) {
          const seconds = Number(opts.timeout);
          if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw new CliError(EXIT.USAGE, "--timeout is a whole number of seconds, 1 to 3600");
          const url = normaliseUrl(rawUrl);
          const person = await browserLogin(io, url, clientId, { scope: opts.scope, open: Boolean(opts.open), timeoutMs: seconds * 1000 });
          const file = await writeStored(io.env, person);
          const summary = { url, client_id: clientId, scope: person.scope, expires_at: person.expires_at, config: file, renews_automatically: Boolean(person.refresh_token) };
          io.out(opts.json ? json(summary) : `Logged in to ${url} through ${clientId}.\n${keyValues(summary)}`);
          return;
        }
        const secret = await secretFrom(io, opts);
        if (!secret) throw new CliError(EXIT.USAGE, "login needs the client secret: VIGIL_CLIENT_SECRET, --client-secret-stdin or --client-secret");
        const url = normaliseUrl(rawUrl);
        const { stored: now, file } = await obtainToken(io, url, clientId, secret, { save: opts.saveSecret ? "token+secret" : "token", scope: opts.scope });
        const summary = { url, client_id: clientId, scope: now.scope, expires_at: now.expires_at, config: file, renews_automatically: Boolean(opts.saveSecret) };
        io.out(opts.json ? json(summary) : `Logged in to ${url} as ${clientId}.\n${keyValues(summary)}`);
      }),
    );

  program
    .command("logout")
    .description("forget the stored token (and secret)")
    .action(
      run(async () => {
        const removed = await removeStored(io.env);
        io.err(removed ? `removed ${configPath(io.env)}\n` : "not logged in\n");
      }),
    );

  program
    .command("token")
    .description("print a valid access token for scripts (renewed first if it expired and can be); nothing else on stdout")
    .action(
      run(async () => {
        const session = await openSession(io);
        io.out(`${await session.token()}\n`);
      }),
    );
}
