import { expect, nav, signIn, test } from "./fixtures";

test("the API reference renders the OpenAPI document; client-side navigation to pages that share a path with the API stays in the console", async ({ page }) => {
  await signIn(page, "admin-apiref@example.com", "admin");
  await nav(page, "API").click();
  await expect(page.getByRole("heading", { name: "API reference", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "/api/openapi.json" })).toHaveAttribute("href", "/api/openapi.json");

  const token = page.locator("details#issueToken");
  await token.locator("summary").click();
  await expect(token.getByText("OAuth client authentication.")).toBeVisible();
  await expect(token.getByText("application/x-www-form-urlencoded").first()).toBeVisible();
  await expect(token.getByRole("table", { name: "Responses" }).getByRole("cell", { name: "401", exact: true })).toBeVisible();
  const audit = page.locator("details#readAudit");
  await audit.locator("summary").click();
  await expect(audit.getByText("Needs scope audit:read (admin holds every scope).")).toBeVisible();
  await expect(audit.getByRole("table", { name: "Parameters" }).getByRole("cell", { name: "cursor", exact: true })).toBeVisible();

  // `/audit`, `/events` and `/` also answer scripts with JSON (the seed runbooks): Next's own
  // fetches (RSC) for them must still get the pages.
  await nav(page, "Audit").click();
  await expect(page.getByRole("heading", { name: "Audit", level: 1 })).toBeVisible();
  await nav(page, "Live events").click();
  await expect(page.getByRole("heading", { name: "Live events", level: 1 })).toBeVisible();
  await nav(page, "Overview").click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  // A page load in the browser (Accept: text/html) is the console, not the JSON health answer.
  await page.goto(`${new URL(page.url()).origin}/audit`);
  await expect(page.getByRole("heading", { name: "Audit", level: 1 })).toBeVisible();
});
