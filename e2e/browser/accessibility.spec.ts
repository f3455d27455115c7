import { createHash, randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { agentWithCredential } from "../support/client";
import { env, expect, INVOICES_AUDIENCE, signInAtIdp, test } from "./fixtures";

/**
 * Every console page, the sign-in page and the consent page, through axe-core in light and
 * dark: no serious or critical violation (WCAG 2.x A/AA rules and axe's best practices).
 * The theme follows the system (no choice stored), so the browser's preference picks it.
 */
const BLOCKING = new Set(["serious", "critical"]);

async function expectAccessible(page: Page, name: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations
    .filter((v) => BLOCKING.has(v.impact ?? ""))
    .map((v) => `${v.id} (${v.impact ?? "?"}): ${v.help} at ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(" | ")}`);
  expect.soft(blocking, `${name}: serious or critical accessibility violations`).toEqual([]);
}

type ConsolePage = { name: string; path: (agentId: string) => string; ready: (page: Page) => Promise<void> };

const hydrated = (mark: string) => async (page: Page) => {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", mark);
};

const PAGES: ConsolePage[] = [
  {
    name: "overview",
    path: () => "/",
    ready: async (page) => {
      await hydrated("overview")(page);
      await expect(page.getByText("Events per hour by kind (UTC)")).toBeVisible();
    },
  },
  { name: "events", path: () => "/events", ready: async (page) => expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live") },
  { name: "audit", path: () => "/audit", ready: hydrated("audit") },
  { name: "agents", path: () => "/agents", ready: async (page) => expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible() },
  { name: "agent detail", path: (id) => `/agents/${id}`, ready: hydrated("agent") },
  {
    name: "autoheal",
    path: () => "/autoheal",
    ready: async (page) => {
      await hydrated("autoheal")(page);
      await expect(page.getByText("Reading silences from Alertmanager…")).toHaveCount(0);
    },
  },
  { name: "delegations", path: () => "/delegations", ready: hydrated("delegations") },
  { name: "policies", path: () => "/policies", ready: hydrated("policies") },
  { name: "API reference", path: () => "/api-reference", ready: async (page) => expect(page.getByRole("heading", { name: "API reference", level: 1 })).toBeVisible() },
];

test.describe("accessibility (axe)", () => {
  for (const scheme of ["light", "dark"] as const) {
    test.describe(`${scheme} theme`, () => {
      test.use({ colorScheme: scheme });

      test("sign-in and consent pages", async ({ page }) => {
        const vigil = env("E2E_VIGIL");
        const agent = await agentWithCredential(vigil, {
          name: `axe bot ${scheme}`,
          owner: "accessibility",
          allowed_scopes: ["invoices:read"],
          allowed_resources: [INVOICES_AUDIENCE],
          description: "Checks that every page can be used by everyone.",
          redirect_uris: ["http://127.0.0.1/callback"],
        });
        const verifier = randomBytes(32).toString("base64url");
        const url = new URL(`${vigil}/api/v1/authorize`);
        url.search = new URLSearchParams({
          response_type: "code",
          client_id: agent.clientId,
          redirect_uri: "http://127.0.0.1:9/callback",
          code_challenge: createHash("sha256").update(verifier).digest("base64url"),
          code_challenge_method: "S256",
          state: randomBytes(16).toString("base64url"),
          scope: "invoices:read",
          resource: INVOICES_AUDIENCE,
        }).toString();
        await page.goto(url.href);
        await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
        await expect(page.getByRole("button", { name: "Sign in with your organisation" })).toBeVisible();
        await expectAccessible(page, "sign-in");
        await page.getByRole("button", { name: "Sign in with your organisation" }).click();
        await signInAtIdp(page, "viewer-finance-axe");
        await expect(page.getByRole("heading", { level: 1 })).toHaveText(`axe bot ${scheme} wants to act for you`);
        await expect(page.locator("html")).toHaveAttribute("data-hydrated", "consent");
        await expectAccessible(page, "consent");
      });

      test("every console page", async ({ page }) => {
        test.setTimeout(120_000);
        const vigil = env("E2E_VIGIL");
        await page.goto(`${vigil}/`);
        await page.getByRole("button", { name: "Sign in with your organisation" }).click();
        await signInAtIdp(page, `admin-axe-${scheme}`);
        await expect(page.getByTestId("signed-in-user")).toBeVisible();
        await expect(page.locator("html")).toHaveClass(scheme === "dark" ? /dark/ : /^(?!.*\bdark\b)/);
        const agent = await agentWithCredential(vigil, { name: `axe agent ${scheme}`, owner: "accessibility" });
        for (const p of PAGES) {
          await page.goto(`${vigil}${p.path(agent.id)}`);
          await p.ready(page);
          await expectAccessible(page, `${p.name} (${scheme})`);
        }
      });
    });
  }
});
