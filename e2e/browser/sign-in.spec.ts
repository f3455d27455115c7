import { SseReader } from "@/lib/testing/sse-reader";
import { env, expect, signInAtIdp, snap, test } from "./fixtures";

test.describe("console sign-in through the organisation's OpenID Provider", () => {
  test("sends an anonymous visitor to sign-in, signs in with code + PKCE, and out again at the provider", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    await page.goto(`${vigil}/`);
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2F$/);
    await expect(page.getByText("Development sign-in")).toHaveCount(0);
    await snap(page, "signin");

    const authorizeRequest = page.waitForRequest((req) => req.url().startsWith(`${env("E2E_IDP")}/auth?`));
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    const authorize = new URL((await authorizeRequest).url());
    await signInAtIdp(page, "admin-alice");

    await expect(page.getByTestId("signed-in-user")).toHaveText("admin-alice · admin");
    expect(new URL(page.url()).origin).toBe(vigil);
    await snap(page, "overview-signed-in");
    // Authorization code flow with PKCE (S256), state and nonce.
    expect(authorize.searchParams.get("response_type")).toBe("code");
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get("state")).toBeTruthy();
    expect(authorize.searchParams.get("nonce")).toBeTruthy();

    // The session cookie authenticates the console's own API calls; writes need the CSRF token.
    const status = await page.evaluate(async () => {
      const list = await fetch("/api/v1/agents");
      const body = JSON.stringify({ name: "browser-made", email: `browser-${Date.now()}@example.com`, owner: "web", deployment_env: "test" });
      const headers = { "content-type": "application/json" };
      const forged = await fetch("/api/v1/agents", { method: "POST", headers, body });
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const real = await fetch("/api/v1/agents", { method: "POST", headers: { ...headers, "x-csrf-token": csrf }, body });
      const created = (await real.json()) as { owner?: string };
      return { list: list.status, forged: forged.status, detail: ((await forged.json()) as { detail: string }).detail, real: real.status, owner: created.owner };
    });
    expect(status).toEqual({
      list: 200,
      forged: 403,
      detail: "Missing or wrong X-CSRF-Token for a cookie-authenticated write.",
      real: 201,
      owner: "web",
    });

    // Someone copies the session cookie before sign-out, and holds a live stream with it.
    const copied = (await page.context().cookies(vigil)).map((c) => `${c.name}=${c.value}`).join("; ");
    const withCopy = (path: string) => fetch(`${vigil}${path}`, { headers: { cookie: copied }, redirect: "manual" });
    expect((await withCopy("/api/v1/agents")).status).toBe(200);
    const held = await withCopy("/api/v1/events");
    expect(held.status).toBe(200);
    const stream = new SseReader(held.body ?? new ReadableStream());
    expect((await stream.next())?.event).toBe("ready");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("button", { name: "Yes, sign me out" })).toBeVisible();
    await page.getByRole("button", { name: "Yes, sign me out" }).click();
    await expect(page).toHaveURL(`${vigil}/signed-out`);
    await expect(page.getByRole("heading", { name: "Signed out" })).toBeVisible();
    await snap(page, "signed-out");

    await page.goto(`${vigil}/`);
    await expect(page).toHaveURL(/\/signin/);
    const anonymous = await page.evaluate(async () => (await fetch("/api/v1/agents")).status);
    expect(anonymous).toBe(401);

    // Sign-out ended the session on the server: the copy opens nothing, and the stream it held has ended.
    const last = (await stream.until((e) => e.event === "end")).at(-1);
    expect(JSON.parse(last?.data ?? "null")).toEqual({ reason: "signed out" });
    expect(await stream.next()).toBeNull();
    expect((await withCopy("/api/v1/agents")).status).toBe(401);
    const pageWithCopy = await withCopy("/agents");
    expect(pageWithCopy.status).toBe(307);
    expect(pageWithCopy.headers.get("location")).toMatch(/\/signin/);
  });

  test("refuses a user whose provider account maps to no role, saying why", async ({ page }) => {
    await page.goto(`${env("E2E_VIGIL")}/`);
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    await signInAtIdp(page, "nobody-bob");
    await expect(page).toHaveURL(/\/auth\/refused/);
    await expect(page.getByRole("heading", { name: "No access to Vigil" })).toBeVisible();
    await expect(page.getByText("viewer → viewer")).toBeVisible();
    await snap(page, "refused");
    const api = await page.evaluate(async () => (await fetch("/api/v1/agents")).status);
    expect(api).toBe(401);
  });

  test("a viewer reads through the session but cannot write, even with the CSRF token", async ({ page }) => {
    await page.goto(`${env("E2E_VIGIL")}/`);
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    await signInAtIdp(page, "viewer-carol");
    await expect(page.getByTestId("signed-in-user")).toHaveText("viewer-carol · viewer");
    const result = await page.evaluate(async () => {
      const list = await fetch("/api/v1/audit?n=1");
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const write = await fetch("/api/v1/agents", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: "{}" });
      return { list: list.status, write: write.status, challenge: write.headers.get("www-authenticate") };
    });
    expect(result).toEqual({ list: 200, write: 403, challenge: 'Bearer realm="vigil", error="insufficient_scope", scope="agents:write"' });
  });
});

test("the trial's development sign-in is clearly marked and lets the first user in as admin", async ({ page }) => {
  await page.goto(`${env("E2E_TRIAL")}/`);
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByText("Development sign-in")).toBeVisible();
  await expect(page.getByText("It is refused in production")).toBeVisible();
  await snap(page, "signin-development");
  await page.getByRole("button", { name: "Continue as development admin" }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText("Development admin · admin");
});
