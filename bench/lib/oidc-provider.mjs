// node-oidc-provider (bench/peers/oidc-provider.mjs) as the peer of the token and
// introspection benches: its own process on a free port, one client with a fresh secret.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { basicAuth } from "./oauth.mjs";
import { freePort, startService, waitForHttp } from "./processes.mjs";

/**
 * Spawns the peer and registers its stop with ctx.defer at once; `ready()` waits for its
 * discovery document, so that the caller can start Vigil meanwhile.
 * @param {Pick<import("../run.mjs").SectionContext, "root" | "logDir" | "defer">} ctx
 * @param {Record<string, string>} [env] the peer's options on top of port and client
 *   (see the peer's header)
 */
export async function startOidcProvider(ctx, env = {}) {
  const port = await freePort();
  const clientId = "bench-client";
  const clientSecret = randomBytes(32).toString("base64url");
  const service = startService({
    name: "oidc-provider",
    command: process.execPath,
    args: [path.join(ctx.root, "bench", "peers", "oidc-provider.mjs")],
    cwd: ctx.root,
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: String(port), CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, ...env },
    logDir: ctx.logDir,
  });
  ctx.defer("stop oidc-provider", () => service.stop());
  const url = `http://127.0.0.1:${port}`;
  return {
    service,
    url,
    clientId,
    auth: basicAuth(clientId, clientSecret),
    ready: () => waitForHttp(`${url}/.well-known/openid-configuration`, { service }),
  };
}
