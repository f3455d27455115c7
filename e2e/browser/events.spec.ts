import type { Page } from "@playwright/test";
import { adminToken, agentWithCredential, api, basic } from "../support/client";
import { env, expect, nav, signIn, snap, test } from "./fixtures";

/** A token request over HTTP, as an agent makes it; answers the status only. */
async function tokenStatus(clientId: string, secret: string): Promise<number> {
  const res = await fetch(`${env("E2E_VIGIL")}/api/v1/token`, {
    method: "POST",
    headers: { authorization: basic(clientId, secret), "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  await res.arrayBuffer();
  return res.status;
}

const rows = (page: Page) => page.getByTestId("live-row");
/** The live rows of one kind for one agent (the table shows an agent id's first 8 characters). */
const rowsOf = (page: Page, kind: string, agentId: string) => rows(page).filter({ hasText: kind }).filter({ hasText: agentId.slice(0, 8) });

test.describe("live events", () => {
  test.use({ colorScheme: "dark" });

  test("an admin watches tokens issued and refused arrive without a reload, pauses without losing events, and filters", async ({ page }) => {
    test.setTimeout(90_000);
    const vigil = env("E2E_VIGIL");
    await signIn(page, "admin-lena", "admin");
    await nav(page, "Live events").click();
    await expect(page.getByRole("heading", { name: "Live events" })).toBeVisible();
    const connection = page.getByTestId("connection");
    await expect(connection).toHaveAttribute("data-state", "live");
    await expect(connection).toHaveText(/Live/);
    // Anything at all was in the log before (sign-ins, other specs): the server rendered it.
    await expect(rows(page).first()).toBeVisible();
    await snap(page, "events-live");

    // An agent made over the API gets a token: it shows up here, with no reload.
    const agent = await agentWithCredential(vigil);
    const admin = api(vigil, await adminToken(vigil));
    expect(await tokenStatus(agent.clientId, agent.secret)).toBe(200);
    await expect(rowsOf(page, "token.issued", agent.id)).toHaveCount(1);
    await expect(rowsOf(page, "agent.created", agent.id)).toHaveCount(1);

    // Suspended, its next request is refused, and the refusal arrives too.
    expect((await admin("POST", `/api/v1/agents/${agent.id}/suspend`)).status).toBe(200);
    await expect(rowsOf(page, "agent.suspended", agent.id)).toHaveCount(1);
    expect(await tokenStatus(agent.clientId, agent.secret)).toBe(401);
    await expect(rowsOf(page, "auth.failed", agent.id)).toHaveCount(1);
    await page.getByRole("button", { name: new RegExp(`Show event \\d+ as JSON`) }).first().click();
    await snap(page, "events-token-refused");

    // A filter, with syntax feedback before anything is sent; applying it reconnects with ?q=.
    const box = page.getByLabel("Query", { exact: true });
    await box.fill("kind=(");
    await expect(page.getByTestId("query-feedback")).toContainText("position 6:");
    await expect(page.getByRole("button", { name: "Apply filter" })).toBeDisabled();
    await box.fill("kind=auth.failed");
    await expect(page.getByTestId("query-feedback")).toHaveText("Query is valid.");
    await box.press("Enter");
    await expect(page).toHaveURL(/\/events\?q=kind%3Dauth\.failed$/);
    await expect(page.getByRole("heading", { name: "Matching kind=auth.failed" })).toBeVisible();
    await expect(connection).toHaveAttribute("data-state", "live");
    // History first (rendered on the server), then live: every row is an auth.failed.
    await expect(rowsOf(page, "auth.failed", agent.id)).toHaveCount(1);
    const other = await agentWithCredential(vigil);
    expect(await tokenStatus(other.clientId, other.secret)).toBe(200);
    expect(await tokenStatus(agent.clientId, agent.secret)).toBe(401);
    // Events stream in id order, so once the later refusal is here the earlier issue was decided.
    await expect(rowsOf(page, "auth.failed", agent.id)).toHaveCount(2);
    await expect(rows(page).filter({ hasText: "token.issued" })).toHaveCount(0);
    await expect(rows(page).filter({ hasNotText: "auth.failed" })).toHaveCount(0);
    await snap(page, "events-filtered");

    // Paused (from the keyboard): what arrives is counted and held, then shown on resume.
    const pause = page.getByRole("button", { name: "Pause" });
    await pause.focus();
    await page.keyboard.press("Space");
    const resume = page.getByRole("button", { name: "Resume" });
    await expect(resume).toHaveAttribute("aria-pressed", "true");
    expect(await tokenStatus(agent.clientId, agent.secret)).toBe(401);
    await expect(page.getByTestId("held-count")).toHaveText("1 new");
    await expect(rowsOf(page, "auth.failed", agent.id)).toHaveCount(2);
    await snap(page, "events-paused");
    await resume.click();
    await expect(rowsOf(page, "auth.failed", agent.id)).toHaveCount(3);
    await expect(page.getByTestId("held-count")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Pause" })).toHaveAttribute("aria-pressed", "false");

    // A reload renders the same newest events on the server, and goes live again.
    await page.reload();
    await expect(rowsOf(page, "auth.failed", agent.id)).toHaveCount(3);
    await expect(connection).toHaveAttribute("data-state", "live");
  });

  test("after a refused connection and a server's `resume`, the page reconnects from the last id and misses nothing", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    const agent = await agentWithCredential(vigil);
    await signIn(page, "viewer-rex", "viewer");
    // The stream as the page asks for it: first refused (503: EventSource gives up, the page
    // retries), then cut short by `event: resume` (what a slow reader gets), then the real one.
    // An event is committed while the page holds no stream at all.
    const asked: URL[] = [];
    const lastEventIdHeaders: (string | null)[] = [];
    await page.route(/\/api\/v1\/events\?/, async (route) => {
      asked.push(new URL(route.request().url()));
      lastEventIdHeaders.push((await route.request().headerValue("last-event-id")) ?? null);
      if (asked.length === 1) return route.fulfill({ status: 503, contentType: "application/problem+json", body: '{"title":"Service Unavailable","status":503}' });
      if (asked.length === 2) {
        expect(await tokenStatus(agent.clientId, agent.secret)).toBe(200);
        const from = asked[0]?.searchParams.get("since_id") ?? "";
        return route.fulfill({
          status: 200,
          contentType: "text/event-stream",
          body: `retry: 3000\nevent: ready\nid: ${from}\ndata: {"last_event_id":"${from}"}\n\nevent: resume\nid: ${from}\ndata: {"last_event_id":"${from}"}\n\n`,
        });
      }
      return route.continue();
    });
    await page.goto(`${vigil}/events?q=${encodeURIComponent(`agent=${agent.id}`)}`);
    await expect(rowsOf(page, "agent.created", agent.id)).toHaveCount(1);
    await expect(rowsOf(page, "token.issued", agent.id)).toHaveCount(1);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
    await snap(page, "events-resumed");
    const from = asked[0]?.searchParams.get("since_id");
    expect(from).toMatch(/^\d+$/);
    expect(asked.map((u) => [u.searchParams.get("q"), u.searchParams.get("since_id"), u.searchParams.get("last_event_id")])).toEqual([
      [`agent=${agent.id}`, from, null],
      [`agent=${agent.id}`, null, from],
      [`agent=${agent.id}`, null, from],
    ]);
    // The third is the page's own new connection on `resume`, not EventSource's retry (which would send the header).
    expect(lastEventIdHeaders).toEqual([null, null, null]);
    expect(await tokenStatus(agent.clientId, agent.secret)).toBe(200);
    await expect(rowsOf(page, "token.issued", agent.id)).toHaveCount(2);
  });

  test("a bad filter in the URL is named, and no stream is opened", async ({ page }) => {
    await signIn(page, "viewer-ivy", "viewer");
    const streams: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/events")) streams.push(r.url());
    });
    await page.goto(`${env("E2E_VIGIL")}/events?q=${encodeURIComponent("kind=(")}`);
    await expect(page.getByRole("alert").filter({ hasText: "position 6" }).first()).toBeVisible();
    await expect(page.getByLabel("Query", { exact: true })).toHaveValue("kind=(");
    await expect(page.getByTestId("connection")).toHaveCount(0);
    await snap(page, "events-bad-filter");
    expect(streams).toEqual([]);
  });
  test("heartbeats stay out of the live view and the audit explorer until asked for, and stay in the log", async ({ page }) => {
    test.setTimeout(90_000);
    const vigil = env("E2E_VIGIL");
    const admin = api(vigil, await adminToken(vigil));
    // The browser Vigil's runner beats every 5 s: wait for one in the log, through the API (whose default is unchanged).
    await expect.poll(async () => ((await admin("GET", "/api/v1/audit?q=kind%3Dheartbeat&n=1")).json.events as unknown[]).length, { timeout: 20_000 }).toBe(1);
    await signIn(page, "admin-hana", "admin");
    await page.goto(`${vigil}/events`);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
    const toggle = page.getByLabel("Show heartbeats");
    await expect(toggle).not.toBeChecked();
    await expect(rows(page).first()).toBeVisible();
    await expect(rows(page).filter({ hasText: "heartbeat" })).toHaveCount(0);

    await toggle.check();
    await expect(page).toHaveURL(/\/events\?heartbeats=show$/);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
    // Shown: the rendered history has them, and the next beat arrives live.
    await expect(rows(page).filter({ hasText: "heartbeat" }).first()).toBeVisible();
    const before = await rows(page).filter({ hasText: "heartbeat" }).count();
    await expect.poll(() => rows(page).filter({ hasText: "heartbeat" }).count(), { timeout: 15_000 }).toBeGreaterThan(before);

    // The audit explorer: hidden by default, shown on request, and named queries always show them.
    await page.goto(`${vigil}/audit`);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "audit");
    await expect(page.getByTestId("audit-row").first()).toBeVisible();
    await expect(page.getByTestId("audit-row").filter({ hasText: "heartbeat" })).toHaveCount(0);
    await page.getByLabel("Show heartbeats").check();
    await expect(page).toHaveURL(/\/audit\?heartbeats=show$/);
    await expect(page.getByTestId("audit-row").filter({ hasText: "heartbeat" }).first()).toBeVisible();
    await page.goto(`${vigil}/audit?q=${encodeURIComponent("kind=heartbeat")}`);
    await expect(page.getByLabel("Show heartbeats")).toBeDisabled();
    await expect(page.getByTestId("audit-row").first()).toContainText("heartbeat");
  });
});
