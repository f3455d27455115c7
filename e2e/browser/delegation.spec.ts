import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import * as oidc from "openid-client";
import { adminToken, agentWithCredential, api } from "../support/client";
import type { IdpInfo } from "../support/idp";
import { personToken } from "../support/person-token";
import { env, expect, INVOICES_AUDIENCE, nav, signIn, snap, test } from "./fixtures";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

type Agent = Awaited<ReturnType<typeof agentWithCredential>> & { name: string };

const idpInfo = () => JSON.parse(readFileSync(env("E2E_IDP_INFO"), "utf8")) as IdpInfo;

/** An agent of the invoices service (unique name: the form picks it by name). */
async function invoicesAgent(extra: Record<string, unknown> = {}): Promise<Agent> {
  const name = `invoices bot ${Math.random().toString(36).slice(2, 8)}`;
  const agent = await agentWithCredential(env("E2E_VIGIL"), { name, allowed_scopes: ["invoices:read", "invoices:write"], allowed_resources: [INVOICES_AUDIENCE], ...extra });
  return { ...agent, name };
}

/** The agent's side, as a real client does it: discovery of Vigil, then RFC 8693 at its token endpoint. */
async function exchange(agent: Agent, subjectToken: string, scope: string) {
  const config = await oidc.discovery(new URL(env("E2E_VIGIL")), agent.clientId, agent.secret, oidc.ClientSecretBasic(agent.secret), {
    execute: [oidc.allowInsecureRequests],
  });
  return oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, resource: INVOICES_AUDIENCE, scope });
}

/** A call to the invoices service through nginx, which asks Vigil's validator first. */
const invoicesCall = (token: string) => fetch(`${env("E2E_GATEWAY")}/api/invoices/2024-001`, { headers: { authorization: `Bearer ${token}` } });

async function openDelegations(page: Page) {
  await nav(page, "Delegations").click();
  await expect(page.getByRole("heading", { name: "Delegations", level: 1 })).toBeVisible();
  // The form is a client component: act on it only once React has attached its handlers.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "delegations");
}

test.describe("delegation", () => {
  test.use({ colorScheme: "dark" });

  test("a person lets an agent act for them; its delegated token passes the gateway as them, and stops within a second of the revoke", async ({ page }) => {
    test.setTimeout(120_000);
    const idp = idpInfo();
    const login = "viewer-finance-alice";
    const alice = `${idp.issuer}#${encodeURIComponent(login)}`;
    const agent = await invoicesAgent();

    await signIn(page, login, "viewer");
    await openDelegations(page);
    // Her role's scopes and, through DELEGATION_SCOPE_MAP, the finance group's.
    await expect(page.getByTestId("held-scopes")).toContainText("invoices:read invoices:write");

    await page.getByLabel("Agent", { exact: true }).selectOption({ label: agent.name });
    const scopes = page.getByRole("group", { name: "Scopes" });
    await expect(scopes.getByRole("checkbox")).toHaveCount(2);
    await scopes.getByRole("checkbox", { name: "invoices:read" }).check();
    await page.getByRole("group", { name: "Resources" }).getByRole("checkbox", { name: INVOICES_AUDIENCE }).check();
    await page.getByLabel("Duration").selectOption({ label: "1 hour" });
    await snap(page, "delegations-grant-form");
    const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/delegations") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Grant delegation" }).click();
    const response = await created;
    expect(response.status()).toBe(201);
    const grant = (await response.json()) as { id: string; person: { id: string }; scopes: string[]; resources: string[]; expires_at: string; max_depth: number };
    expect(grant).toMatchObject({ person: { id: alice }, scopes: ["invoices:read"], resources: [INVOICES_AUDIENCE], max_depth: 1 });
    const hour = Date.parse(grant.expires_at) - Date.now();
    expect(hour).toBeGreaterThan(55 * 60_000);
    expect(hour).toBeLessThanOrEqual(3600_000);
    const row = page.getByTestId("grant-row").filter({ hasText: agent.name });
    await expect(row).toHaveAttribute("data-grant-id", grant.id);
    await expect(row).toContainText("invoices:read");
    await expect(row).not.toContainText("invoices:write");
    await expect(row).toContainText(INVOICES_AUDIENCE);
    await expect(row).toContainText("active");
    await snap(page, "delegations-granted");

    // The agent's page lists her among the people it may act for.
    await page.getByRole("link", { name: agent.name }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(agent.name);
    await expect(page.getByTestId("registered-resources")).toHaveText(INVOICES_AUDIENCE);
    const mayActFor = page.getByTestId("may-act-for-row");
    await expect(mayActFor).toHaveCount(1);
    await expect(mayActFor).toContainText(`${login}@example.com`);
    await expect(mayActFor).toContainText("invoices:read");
    await snap(page, "agent-may-act-for");

    // Alice's own token from her provider; the agent exchanges it and calls the service as her.
    const subject = await personToken(idp, login);
    const delegated = await exchange(agent, subject, "invoices:read");
    expect(delegated.scope).toBe("invoices:read");
    expect(delegated.issued_token_type).toBe(ACCESS_TOKEN);
    const allowed = await invoicesCall(delegated.access_token);
    expect(allowed.status).toBe(200);
    const seen = ((await allowed.json()) as { headers: Record<string, string> }).headers;
    expect(seen).toMatchObject({ "x-user-id": alice, "x-actor-chain": agent.id, "x-scopes": "invoices:read", "x-delegation-id": grant.id });

    // She revokes in the console; the same token is refused at the gateway within a second.
    await openDelegations(page);
    await row.getByRole("button", { name: "Revoke" }).click();
    const dialog = page.getByRole("dialog", { name: `Revoke ${agent.name}'s delegation?` });
    await expect(dialog).toContainText("Every token issued under this delegation stops working at once");
    await snap(page, "delegations-revoke-dialog");
    await dialog.getByRole("button", { name: "Revoke delegation" }).click();
    await expect.poll(async () => (await invoicesCall(delegated.access_token)).status, { timeout: 1000, intervals: [20] }).toBe(401);
    const refused = await invoicesCall(delegated.access_token);
    expect(refused.headers.get("www-authenticate")).toContain("delegation revoked");
    await expect(dialog).toBeHidden();
    await expect(row).toContainText("revoked");
    await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);
    // Nor can the agent get a new token for her.
    await expect(exchange(agent, subject, "invoices:read")).rejects.toMatchObject({ error: "invalid_grant" });
    await snap(page, "delegations-revoked");
  });

  test("a person outside the mapping can offer only their role's scopes; the API's errors show at their field; empty and error states", async ({ page }) => {
    const invoices = await invoicesAgent();
    const mixed = await invoicesAgent({ allowed_scopes: ["agents:read", "invoices:read"], allowed_resources: null });
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, "viewer-bob", "viewer");
    await openDelegations(page);
    await expect(page.getByTestId("held-scopes")).toHaveText("Scopes you hold: agents:read audit:read delegations:read delegations:write");
    await expect(page.getByText("You have not let any agent act for you yet.")).toBeVisible();

    const agentSelect = page.getByLabel("Agent", { exact: true });
    const scopes = page.getByRole("group", { name: "Scopes" });
    await agentSelect.selectOption({ label: invoices.name });
    await expect(scopes.getByRole("checkbox")).toHaveCount(0);
    await expect(scopes).toContainText(`You hold none of the scopes ${invoices.name} may use`);
    await agentSelect.selectOption({ label: mixed.name });
    await expect(scopes.getByRole("checkbox")).toHaveCount(1);
    await expect(scopes.getByRole("checkbox", { name: "agents:read" })).toBeVisible();
    // No registered resources: Vigil's own API is the one it may use.
    await expect(page.getByRole("group", { name: "Resources" }).getByRole("checkbox", { name: env("E2E_VIGIL") })).toBeVisible();

    // Nothing ticked: the API's validation error lands next to the scopes.
    await page.getByRole("button", { name: "Grant delegation" }).click();
    await expect(scopes).toContainText("name at least one scope to delegate");
    await expect(scopes).toHaveAttribute("aria-invalid", "true");
    await snap(page, "delegations-field-error-phone");
    // The page's document never scrolls sideways at phone width (tables scroll in their own box).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // What the form does not offer, the API refuses anyway.
    const write = await page.evaluate(async (agentId) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const res = await fetch("/api/v1/delegations", { method: "POST", headers: { "x-csrf-token": csrf, "content-type": "application/json" }, body: JSON.stringify({ agent_id: agentId, scopes: ["invoices:read"] }) });
      return res.status;
    }, invoices.id);
    expect(write).toBe(403);

    // The list's error state: the API fails while a new filter is read; a retry recovers.
    const failing = /\/api\/v1\/delegations\?.*active=true/;
    await page.route(failing, (route) =>
      route.fulfill({ status: 503, contentType: "application/problem+json", body: JSON.stringify({ title: "Service Unavailable", status: 503, detail: "The database is unavailable." }) }),
    );
    await page.getByLabel("Show", { exact: true }).selectOption("active");
    const problem = page.getByRole("alert").filter({ hasText: "Could not load your delegations: The database is unavailable." });
    await expect(problem).toBeVisible();
    await snap(page, "delegations-error-phone");
    await page.unroute(failing);
    await problem.getByRole("button", { name: "Try again" }).click();
    await expect(page.getByText("No active delegations.")).toBeVisible();
    await expect(problem).toHaveCount(0);
  });

  test("an admin sees and revokes anyone's grant, and edits an agent's registered resources", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    const agent = await invoicesAgent();
    const admin = api(vigil, await adminToken(vigil));
    // The bootstrap admin is no person: it names the one the grant is for.
    const granted = await admin("POST", "/api/v1/delegations", {
      agent_id: agent.id,
      scopes: ["invoices:write"],
      person: { issuer: idpInfo().issuer, sub: "viewer-finance-carol", label: "carol@example.com" },
    });
    expect(granted.status).toBe(201);

    await signIn(page, "admin-dana", "admin");
    await openDelegations(page);
    const everyone = page.getByRole("table", { name: "Everyone's delegations" });
    const row = everyone.getByTestId("grant-row").filter({ hasText: "carol@example.com" });
    await expect(row).toContainText(agent.name);
    await expect(row).toContainText("invoices:write");
    await expect(page.getByTestId("grant-row").filter({ hasText: "carol@example.com" })).toHaveCount(1);
    await snap(page, "delegations-admin");
    await row.getByRole("button", { name: "Revoke" }).click();
    const dialog = page.getByRole("dialog", { name: `Revoke ${agent.name}'s delegation?` });
    await expect(dialog).toContainText("carol@example.com's token");
    await dialog.getByRole("button", { name: "Revoke delegation" }).click();
    await expect(row).toContainText("revoked");
    expect((await admin("GET", `/api/v1/delegations/${String(granted.json.id)}`)).json).toMatchObject({ active: false, revoked_by: expect.stringContaining("admin-dana") });

    await page.goto(`${vigil}/agents/${agent.id}`);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "agent");
    await expect(page.getByText("Nobody has let this agent act for them.")).toBeVisible();
    const shown = page.getByTestId("registered-resources");
    await expect(shown).toHaveText(INVOICES_AUDIENCE);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const resources = page.getByLabel("Registered resources");
    await expect(resources).toHaveValue(INVOICES_AUDIENCE);
    await resources.fill(`${INVOICES_AUDIENCE}\nnot a uri`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText("a resource is an absolute URI or identifier without spaces or a fragment")).toBeVisible();
    await expect(resources).toHaveAttribute("aria-invalid", "true");
    await resources.fill(`${INVOICES_AUDIENCE}\nhttps://reports.example.com/`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(shown).toHaveText(`${INVOICES_AUDIENCE} https://reports.example.com/`);
    // Empty: back to the default, Vigil's own API alone.
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.getByLabel("Registered resources").fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(shown).toHaveText("Vigil's API only");
    expect((await admin("GET", `/api/v1/agents/${agent.id}`)).json.allowed_resources).toBeNull();
  });

  test("the trial's development sign-in names no person: an explanation instead of the form", async ({ page }) => {
    await page.goto(`${env("E2E_TRIAL")}/`);
    await page.getByRole("button", { name: "Continue as development admin" }).click();
    await expect(page.getByTestId("signed-in-user")).toHaveText("Development admin · admin");
    await openDelegations(page);
    await expect(page.getByTestId("no-person")).toContainText("names no person");
    await expect(page.getByRole("button", { name: "Grant delegation" })).toHaveCount(0);
    await expect(page.getByText("Nobody has let an agent act for them yet.")).toBeVisible();
    await snap(page, "delegations-trial");
  });
});
