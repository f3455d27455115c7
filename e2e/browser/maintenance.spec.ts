import { adminToken, api } from "../support/client";
import { env, expect, signIn, test } from "./fixtures";

test("an admin starts maintenance from the console: a banner on every page, agents refused, then ended", async ({ page }) => {
  const base = env("E2E_VIGIL");
  // Taken before: the token endpoint is one of the doors maintenance closes.
  const admin = api(base, await adminToken(base));
  const tokenStatus = () => fetch(`${base}/api/v1/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials" }).then((r) => r.status);
  try {
    await signIn(page, "admin-maint@example.com", "admin");
    await page.getByRole("button", { name: "Maintenance…" }).click();
    const dialog = page.getByRole("dialog", { name: "Start maintenance mode?" });
    await expect(dialog).toContainText("503 with Retry-After");
    await dialog.getByLabel("Reason").fill("browser e2e upgrade");
    await dialog.getByRole("button", { name: "Start maintenance" }).click();
    const banner = page.getByTestId("maintenance-banner");
    await expect(banner).toContainText("Maintenance mode.");
    await expect(banner).toContainText("browser e2e upgrade");
    expect(await tokenStatus()).toBe(503);
    // On every page, not only where it was switched.
    await page.goto(`${base}/agents`);
    await expect(page.getByTestId("maintenance-banner")).toBeVisible();

    await page.getByTestId("maintenance-banner").getByRole("button", { name: "End maintenance" }).click();
    await page.getByRole("dialog", { name: "End maintenance mode?" }).getByRole("button", { name: "End maintenance" }).click();
    await expect(page.getByTestId("maintenance-banner")).toHaveCount(0);
    expect(await tokenStatus()).not.toBe(503);
  } finally {
    await admin("PATCH", "/api/v1/maintenance", { enabled: false });
  }
});
