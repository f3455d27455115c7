import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { agentWithCredential } from "../support/client";
import { ROOT } from "../support/vigil-process";
import { env, expect, signInAtIdp, test } from "./fixtures";

/**
 * `vigil login --browser`: a person logs the CLI in. The real bin runs as a child process;
 * Chromium plays the person (sign-in at the organisation's provider, Vigil's consent page);
 * Vigil redirects to the CLI's loopback port with a code it redeems with its PKCE verifier.
 * The stored token is then the person's, through the agent: `vigil agents list` works with it.
 */
const BIN = path.join(ROOT, "packages/cli/bin/vigil.mjs");

test("a person logs the CLI in through the browser, and its commands then run as them", async ({ page }) => {
  const base = env("E2E_VIGIL");
  const cli = await agentWithCredential(base, {
    name: `vigil cli ${Math.random().toString(36).slice(2, 8)}`,
    owner: "platform",
    allowed_scopes: ["agents:read", "audit:read"],
    client_type: "public",
    redirect_uris: ["http://127.0.0.1/callback"],
  });
  const home = mkdtempSync(path.join(tmpdir(), "vigil-cli-browser-"));
  const childEnv: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: path.join(home, "config") };
  const login = spawn(process.execPath, [BIN, "login", "--browser", "--url", base, "--client-id", cli.clientId, "--json", "--timeout", "120"], { cwd: ROOT, env: childEnv });
  let stderr = "";
  let stdout = "";
  login.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  login.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => login.on("exit", resolve));
  try {
    await expect.poll(() => /^ {2}(http\S+)$/m.test(stderr), { timeout: 30_000 }).toBe(true);
    const address = new URL(stderr.match(/^ {2}(http\S+)$/m)?.[1] ?? "");
    expect(address.pathname).toBe("/api/v1/authorize");
    expect(address.searchParams.get("code_challenge_method")).toBe("S256");
    expect(address.searchParams.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    await page.goto(address.href);
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    await signInAtIdp(page, "viewer-cli-person");
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "consent");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByText("Logged in: you can close this window")).toBeVisible();

    expect(await exited, stderr).toBe(0);
    const summary = JSON.parse(stdout) as { scope: string; config: string; renews_automatically: boolean };
    expect(summary.scope.split(" ").sort()).toEqual(["agents:read", "audit:read"]);
    expect(summary.renews_automatically).toBe(true);
    expect(statSync(summary.config).mode & 0o777).toBe(0o600);
    // The person's token, acting through the CLI's agent (RFC 8693 act), never a secret.
    const stored = JSON.parse(readFileSync(summary.config, "utf8")) as Record<string, string>;
    expect(stored).not.toHaveProperty("client_secret");
    const claims = JSON.parse(Buffer.from(stored.access_token?.split(".")[1] ?? "", "base64url").toString()) as { sub: string; act: { sub: string } };
    expect(claims.act.sub).toBe(cli.id);
    expect(claims.sub).toContain("viewer-cli-person");

    const list = spawnSync(process.execPath, [BIN, "agents", "list", "--json"], { cwd: ROOT, env: childEnv, encoding: "utf8" });
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain(cli.id);
    // A viewer's login cannot write, whatever the CLI asks: the API answers 403, exit 5.
    const write = spawnSync(process.execPath, [BIN, "agents", "suspend", cli.id], { cwd: ROOT, env: childEnv, encoding: "utf8" });
    expect(write.status, write.stderr).toBe(5);

    // An expired token is renewed with the refresh token (rotated, and the new one kept), no browser.
    writeFileSync(summary.config, JSON.stringify({ ...stored, expires_at: new Date(Date.now() - 1000).toISOString() }), { mode: 0o600 });
    const renewed = spawnSync(process.execPath, [BIN, "token"], { cwd: ROOT, env: childEnv, encoding: "utf8" });
    expect(renewed.status, renewed.stderr).toBe(0);
    const after = JSON.parse(readFileSync(summary.config, "utf8")) as Record<string, string>;
    expect(renewed.stdout.trim()).toBe(after.access_token);
    expect(after.access_token).not.toBe(stored.access_token);
    expect(after.refresh_token).not.toBe(stored.refresh_token);
    expect(Date.parse(after.expires_at ?? "")).toBeGreaterThan(Date.now());
  } finally {
    login.kill();
  }
});
