import { mkdirSync } from "node:fs";
import { test as base, expect, type Page } from "@playwright/test";

/** Every page is kept off the internet: only loopback answers (fonts and the like fail fast). */
export const test = base.extend({
  page: async ({ page }, provide) => {
    await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
    await provide(page);
  },
});

export { expect };

export function env(name: "E2E_VIGIL" | "E2E_TRIAL" | "E2E_IDP"): string {
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
