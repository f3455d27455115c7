import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JWK } from "jose";
import { spawnUntilReady } from "./child";
import { ROOT } from "./vigil-process";

export type IdpInfo = {
  issuer: string;
  audience: string;
  consoleClient: { client_id: string; client_secret: string };
  machineClient: { client_id: string; client_secret: string };
  personClient: { client_id: string; client_secret: string; redirect_uri: string };
  signingJwk: JWK & { kid: string };
};

/** Starts oidc-provider as a child process and waits for its discovery document. */
export async function startIdp(port: number, redirectBases: string[]) {
  const stateDir = mkdtempSync(path.join(tmpdir(), "vigil-idp-"));
  const file = path.join(stateDir, "idp.json");
  const child = await spawnUntilReady({
    name: "oidc-provider",
    command: process.execPath,
    args: ["e2e/peers/oidc-provider.mjs", String(port), stateDir, redirectBases.join(",")],
    options: { cwd: ROOT },
    ready: async () => existsSync(file) && (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).ok,
    timeoutMs: 20_000,
  });
  const info = JSON.parse(readFileSync(file, "utf8")) as IdpInfo;
  return {
    info,
    /** The same as a JSON file, for test processes that did not start the provider. */
    file,
    stop: async () => {
      await child.stop();
    },
  };
}

/** Vigil settings that make `info` the organisation's provider. */
export function idpEnv(info: IdpInfo): Record<string, string> {
  return {
    OIDC_ISSUER: info.issuer,
    OIDC_CLIENT_ID: info.consoleClient.client_id,
    OIDC_CLIENT_SECRET: info.consoleClient.client_secret,
    OIDC_AUDIENCE: info.audience,
    OIDC_SCOPES: "openid email profile roles",
  };
}
