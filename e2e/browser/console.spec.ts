import type { Page } from "@playwright/test";
import { agentWithCredential, basic } from "../support/client";
import { BOOTSTRAP_SECRET, freePort, productionEnv, startVigil } from "../support/vigil-process";
import { env, expect, nav, signIn, snap, test } from "./fixtures";

const stat = (page: Page, label: string) => page.getByTestId(`stat-${label}`).getByTestId("stat-value");

async function tokenRequest(clientId: string, secret: string) {
  const res = await fetch(`${env("E2E_VIGIL")}/api/v1/token`, {
    method: "POST",
    headers: { authorization: basic(clientId, secret), "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  return { status: res.status, body: (await res.json()) as { access_token?: string; error?: string } };
}

/** Runs a query from the audit page's box, as a person would, and waits for the URL to carry it. */
async function auditQuery(page: Page, q: string) {
  await page.getByLabel("Query", { exact: true }).fill(q);
  await expect(page.getByTestId("query-feedback")).toHaveText("Query is valid.");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(q).replace(/%20/g, "(\\+|%20)")}`));
}

test.describe("the command center console", () => {
  // Dark is the console's default; the theme test below switches to light.
  test.use({ colorScheme: "dark" });

  test("first run: an empty overview explains the three next steps with this instance's URLs to copy, and gives way once an agent exists", async ({ page, context }) => {
    test.setTimeout(120_000);
    // A fresh instance of its own: the suite's Vigil has agents as soon as any test ran.
    const port = await freePort();
    const fresh = productionEnv(port, {}, "localhost");
    const vigil = await startVigil("first-run", {
      NODE_ENV: "development",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      AUTH_URL: fresh.AUTH_URL ?? "",
      VIGIL_DATA_DIR: fresh.VIGIL_DATA_DIR ?? "",
      VIGIL_BOOTSTRAP_ADMIN_SECRET: BOOTSTRAP_SECRET,
      LOG_LEVEL: "info",
    });
    try {
      const base = vigil.baseUrl;
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
      await page.goto(`${base}/`);
      await page.getByRole("button", { name: "Continue as development admin" }).click();
      const guide = page.getByTestId("first-run");
      await expect(guide.getByRole("heading", { name: "Get started" })).toBeVisible();
      await expect(guide.getByTestId("first-run-step")).toHaveCount(3);
      await expect(guide.getByRole("link", { name: "Create one on the Agents page" })).toHaveAttribute("href", "/agents");
      const snippets = guide.getByTestId("snippet");
      await expect(snippets.nth(0)).toContainText(`${base}/api/v1/token`);
      await expect(snippets.nth(1)).toContainText(`proxy_pass ${base}/api/auth/validate;`);
      await expect(snippets.nth(2)).toContainText(`url: ${base}/api/alert`);
      // This instance has no webhook credentials yet: the guide says so rather than let every webhook be refused.
      await expect(guide).toContainText("Set AUTOHEAL_ALERT_TOKEN (or AUTOHEAL_ALERT_BASIC) on Vigil first");
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "overview");
      await guide.getByRole("button", { name: "Copy Alertmanager receiver configuration" }).click();
      await expect(guide.getByText("Copied")).toBeVisible();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(`url: ${base}/api/alert`);
      await snap(page, "console-first-run");

      // The bootstrap admin (an agent Vigil registers itself) did not count; the first real agent does.
      await agentWithCredential(base, { name: "first agent" });
      await page.reload();
      await expect(stat(page, "Active agents")).toHaveText("2");
      await expect(page.getByTestId("first-run")).toHaveCount(0);
    } finally {
      await vigil.stop();
    }
  });

  test("an admin creates an agent, issues a token with its credential, finds it in the audit log, suspends it and sees the refusal", async ({ page }) => {
    test.setTimeout(120_000);
    const vigil = env("E2E_VIGIL");
    await signIn(page, "admin-dana", "admin");
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    const agentsBefore = Number((await stat(page, "Active agents").textContent())?.replace(/,/g, ""));
    expect(Number.isInteger(agentsBefore)).toBe(true);
    await snap(page, "console-overview-before");

    // Create through the form; the API's validation errors land next to their fields.
    await nav(page, "Agents").click();
    await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
    await page.getByRole("button", { name: "New agent" }).click();
    const name = `console agent ${Date.now()}`;
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Owner").fill("console-team");
    await page.getByLabel("Deployment environment").fill("test");
    await page.getByLabel("Allowed scopes").fill("svc:read");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page.getByText("email must be an email address")).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
    await snap(page, "console-agent-form-errors");
    await page.getByLabel("Email").fill(`console-${Date.now()}@example.com`);
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
    const agentId = page.url().split("/").at(-1) ?? "";
    await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("active");

    // The overview counts what was just made.
    await nav(page, "Overview").click();
    await expect(stat(page, "Active agents")).toHaveText(String(agentsBefore + 1));
    const tokensBefore = Number((await stat(page, "Tokens issued (24 h)").textContent())?.replace(/,/g, ""));

    // A credential: the secret is shown once, with a warning and a copy button.
    await page.goto(`${vigil}/agents/${agentId}`);
    await page.getByRole("button", { name: "Generate credential" }).click();
    await expect(page.getByText("Copy this secret now — it will not be shown again")).toBeVisible();
    await expect(page.getByRole("button", { name: "Copy secret" })).toBeVisible();
    const clientId = (await page.getByTestId("new-client-id").textContent()) ?? "";
    const secret = (await page.getByTestId("new-secret").textContent()) ?? "";
    expect(secret.length).toBeGreaterThan(20);
    await expect(page.getByTestId("credential-row")).toHaveCount(1);
    await snap(page, "console-agent-secret-once");
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(page.getByTestId("new-secret")).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId("credential-row")).toContainText(clientId);
    expect(await page.content()).not.toContain(secret);

    // The agent gets a token over HTTP with it, and the audit page finds the event.
    const issued = await tokenRequest(clientId, secret);
    expect(issued.status).toBe(200);
    expect(issued.body.access_token).toBeTruthy();
    await nav(page, "Audit").click();
    await auditQuery(page, `kind=token.issued AND agent=${agentId}`);
    await expect(page.getByTestId("audit-row")).toHaveCount(1);
    await expect(page.getByTestId("audit-row")).toContainText("token.issued");
    await page.getByRole("button", { name: /Show event \d+ as JSON/ }).click();
    await expect(page.locator("pre").filter({ hasText: `"client_id": "${clientId}"` })).toBeVisible();
    await snap(page, "console-audit-token-issued");

    await nav(page, "Overview").click();
    await expect(stat(page, "Tokens issued (24 h)")).toHaveText(String(tokensBefore + 1));
    await expect(page.getByRole("figure").filter({ hasText: "Events per hour by kind" }).locator("svg").first()).toBeVisible();

    // Suspend behind a dialog that names the consequence; the next token request is refused.
    await page.goto(`${vigil}/agents/${agentId}`);
    await expect(page.getByTestId("last-seen")).not.toHaveText("never");
    await page.getByRole("button", { name: "Suspend", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Suspend ${name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("tokens it holds stop being accepted");
    await snap(page, "console-agent-suspend-dialog");
    await dialog.getByRole("button", { name: "Suspend agent" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("suspended");
    await expect(page.getByRole("button", { name: "Reactivate" })).toBeVisible();
    await expect(page.getByTestId("audit-row").first()).toContainText("agent.suspended");
    await snap(page, "console-agent-suspended");

    const refused = await tokenRequest(clientId, secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("invalid_client");
    await nav(page, "Audit").click();
    await auditQuery(page, `kind=auth.failed AND agent=${agentId}`);
    await expect(page.getByTestId("audit-row")).toHaveCount(1);
    await expect(page.getByTestId("audit-row")).toContainText("failure");
    await snap(page, "console-audit-auth-failed");

    // Integrity check from the page.
    await page.getByRole("button", { name: "Verify integrity" }).click();
    await expect(page.getByTestId("verify-result")).toContainText("Intact");
    await expect(page.getByTestId("verify-result")).toContainText(/Checked \d+ checkpoints and \d+ events/);
  });

  test("the audit query box gives syntax feedback while typing, before any request", async ({ page }) => {
    await signIn(page, "operator-frank", "operator");
    await nav(page, "Audit").click();
    await expect(page.getByRole("heading", { name: "Audit" })).toBeVisible();
    const requests: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/audit")) requests.push(r.url());
    });
    const box = page.getByLabel("Query", { exact: true });
    await box.fill("kind=(");
    await expect(page.getByTestId("query-feedback")).toContainText("position 6:");
    await expect(box).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("button", { name: "Search" })).toBeDisabled();
    await snap(page, "console-audit-syntax-error");
    await box.fill("kind=token.issued AND (outcome=success");
    await expect(page.getByTestId("query-feedback")).toContainText(/position \d+: .*\)/);
    await box.fill("kind=token.issued");
    await expect(page.getByTestId("query-feedback")).toHaveText("Query is valid.");
    expect(requests).toEqual([]);

    // The view is in the URL: opening the link reproduces it.
    await page.getByRole("button", { name: "Last 24 hours" }).click();
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/q=kind%3Dtoken\.issued&since=/);
    const url = page.url();
    await page.goto("about:blank");
    await page.goto(url);
    await expect(page.getByLabel("Query", { exact: true })).toHaveValue("kind=token.issued");
    await expect(page.getByRole("link", { name: "NDJSON" })).toHaveAttribute("href", /format=ndjson/);
    const csv = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return { status: res.status, type: res.headers.get("content-type"), head: (await res.text()).split("\r\n")[0] };
    }, (await page.getByRole("link", { name: "CSV" }).getAttribute("href")) ?? "");
    expect(csv).toMatchObject({ status: 200, type: "text/csv; charset=utf-8" });
    expect(csv.head).toMatch(/^id,ts,kind,/);
  });

  test("a viewer sees no write controls, and the server refuses a write from the page anyway", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    const agent = await agentWithCredential(vigil);
    await signIn(page, "viewer-erin", "viewer");
    await nav(page, "Agents").click();
    await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
    await expect(page.getByRole("link", { name: /e2e agent/ }).first()).toBeVisible();
    await expect(page.getByRole("button", { name: "New agent" })).toHaveCount(0);
    await snap(page, "console-agents-viewer");

    await page.goto(`${vigil}/agents/${agent.id}`);
    await expect(page.getByTestId("credential-row")).toHaveCount(1);
    for (const name of ["Edit", "Suspend", "Decommission", "Generate credential", "Rotate", "Revoke"]) {
      await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
    }
    await snap(page, "console-agent-viewer");

    const write = await page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const res = await fetch(`/api/v1/agents/${id}/suspend`, { method: "POST", headers: { "x-csrf-token": csrf } });
      return { csrf: csrf.length > 0, status: res.status };
    }, agent.id);
    expect(write).toEqual({ csrf: true, status: 403 });
    await page.reload();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("active");
  });

  test("the shell works at phone width and in the light theme", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, "viewer-gail", "viewer");
    await expect(nav(page, "Audit")).toBeVisible();
    await expect(nav(page, "Overview")).toHaveAttribute("aria-current", "page");
    await snap(page, "console-overview-phone");
    // The theme follows the system by default (this test's browser prefers dark), live...
    const theme = page.getByLabel("Theme");
    await expect(theme).toHaveValue("system");
    await expect(page.locator("html")).toHaveClass(/dark/);
    await page.emulateMedia({ colorScheme: "light" });
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    await page.emulateMedia({ colorScheme: "dark" });
    await expect(page.locator("html")).toHaveClass(/dark/);
    // ...until a choice is made, which outlasts a reload and the system's preference.
    await theme.selectOption("light");
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    await page.reload();
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    await expect(page.getByLabel("Theme")).toHaveValue("light");
    await snap(page, "console-overview-light-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${env("E2E_VIGIL")}/agents`);
    await expect(page.getByRole("heading", { name: "Agents" })).toBeVisible();
    await snap(page, "console-agents-light");
    // Keyboard: the skip link is the first stop on a fresh page and shows when focused.
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  });
});
