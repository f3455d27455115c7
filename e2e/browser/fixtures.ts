import { mkdirSync } from "node:fs";
import { test as base, expect, type Page } from "@playwright/test";

/** Every page is kept off the internet: only loopback answers (fonts and the like fail fast). */
export const test = base.extend({
  page: async ({ page }, provide) => {
    await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
    // Every page of every test runs under Vigil's Content-Security-Policy: anything it
    // blocks (a script without the nonce, an inline handler, an image) fails the test that
    // met it. Not frame-ancestors: that refusal is reported to the page that tried to frame
    // Vigil (a test's attacker page; no Vigil page frames anything).
    const blocked: string[] = [];
    page.on("console", (message) => {
      const text = message.text();
      if (message.type() === "error" && /Content Security Policy/i.test(text) && !text.includes("frame-ancestors")) blocked.push(`${message.location().url}: ${text}`);
    });
    await provide(page);
    expect(blocked, "blocked by the Content-Security-Policy").toEqual([]);
  },
});

export { expect };

/** The alert the browser Vigil's one autoheal rule answers (e2e/browser/global-setup.ts). */
export const BROWSER_ALERTNAME = "ConsoleE2eDown";

/** The policy set the browser Vigil loads from its POLICY_DIR (e2e/browser/global-setup.ts). */
export const GITOPS_SET = "gitops-e2e";

/** The service behind the browser suite's nginx gateway (e2e/browser/global-setup.ts). */
export const INVOICES_AUDIENCE = "https://invoices.example.com/";

export function env(name: "E2E_VIGIL" | "E2E_TRIAL" | "E2E_IDP" | "E2E_ALERTMANAGER" | "E2E_GATEWAY" | "E2E_IDP_INFO"): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through playwright.config.ts`);
  return value;
}

/** Saves a screenshot of the current page under test-results/screenshots/. */
export async function snap(page: Page, name: string) {
  mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** The organisation's login: oidc-provider's development form, then its consent screen. */
export async function signInAtIdp(page: Page, login: string) {
  await expect(page.getByPlaceholder("Enter any login")).toBeVisible();
  await page.getByPlaceholder("Enter any login").fill(login);
  await page.getByPlaceholder("and password").fill("irrelevant");
  await page.getByRole("button", { name: "Sign-in" }).click();
  const consent = page.getByRole("button", { name: "Continue" });
  await consent.click();
}

/** Signs in at the console through the IdP; the login's prefix (admin-, operator-, viewer-) sets the role. */
export async function signIn(page: Page, login: string, role: string) {
  await page.goto(`${env("E2E_VIGIL")}/`);
  await page.getByRole("button", { name: "Sign in with your organisation" }).click();
  await signInAtIdp(page, login);
  await expect(page.getByTestId("signed-in-user")).toHaveText(`${login} · ${role}`);
}

/** A link in the console's navigation (other links on a page may share its words). */
export const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Console" }).getByRole("link", { name, exact: true });
