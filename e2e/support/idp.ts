import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JWK } from "jose";
import { ROOT } from "./vigil-process";

export type IdpInfo = {
  issuer: string;
  audience: string;
  consoleClient: { client_id: string; client_secret: string };
  machineClient: { client_id: string; client_secret: string };
  signingJwk: JWK & { kid: string };
};

/** Starts oidc-provider as a child process and waits for its discovery document. */
export async function startIdp(port: number, redirectBases: string[]) {
  const stateDir = mkdtempSync(path.join(tmpdir(), "vigil-idp-"));
  const child = spawn(process.execPath, ["e2e/peers/oidc-provider.mjs", String(port), stateDir, redirectBases.join(",")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = once(child, "exit");
  const file = path.join(stateDir, "idp.json");
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`oidc-provider exited: ${output}`);
    if (existsSync(file) && (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`).then((r) => r.ok, () => false))) break;
    if (Date.now() > deadline) throw new Error(`oidc-provider did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(readFileSync(file, "utf8")) as IdpInfo;
  return {
    info,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
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
