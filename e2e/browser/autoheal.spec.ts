import { postAlerts, startAlertmanager } from "../support/alertmanager";
import { freePort, productionEnv, startVigil } from "../support/vigil-process";
import { BROWSER_ALERTNAME, env, expect, nav, signIn, snap, test } from "./fixtures";

type Silence = { id: string; status: { state: string }; matchers: { name: string; value: string }[]; createdBy: string };

test.describe("autoheal", () => {
  test.use({ colorScheme: "dark" });

  test("an alert from Alertmanager shows up live and on the autoheal page, and an operator acknowledges it with a silence", async ({ page }) => {
    test.setTimeout(90_000);
    const am = env("E2E_ALERTMANAGER");
    const instance = `web-${Date.now()}`;
    await signIn(page, "operator-omar", "operator");
    await page.goto(`${env("E2E_VIGIL")}/events?q=${encodeURIComponent(`alertname=${BROWSER_ALERTNAME}`)}`);
    await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");

    // Prometheus' part, played by the test: the alert goes to Alertmanager, which posts it to Vigil.
    await postAlerts(am, [
      {
        labels: { alertname: BROWSER_ALERTNAME, instance, severity: "critical" },
        annotations: { summary: `${instance} is down` },
        // Older than group_wait: Alertmanager sends it at once.
        startsAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    const live = page.getByTestId("live-row");
    await expect(live.filter({ hasText: "alert_received" })).toHaveCount(1);
    // The rule acts in dry run, the default: the exact request is recorded, nothing is sent.
    await expect(live.filter({ hasText: "action_dry_run" })).toHaveCount(1);
    await snap(page, "events-alert");

    await nav(page, "Autoheal").click();
    await expect(page.getByRole("heading", { name: "Autoheal", level: 1 })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "autoheal");
    await expect(page.getByTestId("autoheal-enabled")).toContainText("Enabled");
    await expect(page.getByTestId("autoheal-mode")).toContainText("Dry run");
    await expect(page.getByTestId("autoheal-heartbeat")).not.toContainText("never");
    const action = page.getByTestId("action-row").filter({ hasText: instance });
    await expect(action).toHaveCount(1);
    await expect(action.getByTestId("action-result")).toHaveText("dry run");
    await expect(action).toContainText("restart-console-e2e");
    await expect(page.getByTestId("rule-row")).toContainText(["restart-console-e2e"]);
    await expect(page.getByTestId("rule-row").first()).toContainText("/restart/{{ labels.instance }}");
    await expect(page.getByRole("table", { name: "Active cooldowns" })).toContainText("restart-console-e2e");
    // An operator acknowledges; switches are an admin's.
    await expect(page.getByRole("button", { name: "Turn dry run off" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Disable autoheal" })).toHaveCount(0);

    const labels = page.getByLabel("Labels");
    await labels.fill("alertname");
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await expect(page.getByText("Line 1: write name=value.")).toBeVisible();
    await expect(labels).toHaveAttribute("aria-invalid", "true");
    await labels.fill(`alertname=${BROWSER_ALERTNAME}\ninstance=${instance}`);
    await page.getByLabel("Duration").fill("30m");
    await page.getByLabel("Comment").fill("restarting by hand");
    await page.getByRole("button", { name: "Acknowledge" }).click();
    const silenceId = page.getByTestId("silence-id");
    await expect(silenceId).toHaveText(/^[0-9a-f-]{36}$/);
    await snap(page, "autoheal-operator-acked");

    // Alertmanager holds the silence, active, on exactly those labels, in the operator's name.
    const res = await fetch(`${am}/api/v2/silence/${(await silenceId.textContent()) ?? ""}`);
    expect(res.status).toBe(200);
    const silence = (await res.json()) as Silence;
    expect(silence.status.state).toBe("active");
    expect(silence.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual([`alertname=${BROWSER_ALERTNAME}`, `instance=${instance}`]);
    expect(silence.createdBy).toBe("user:operator-omar@example.com");

    // The Silences view lists it as Vigil's, and the Alerts view the alert with its rule's outcome.
    const row = page.locator(`[data-testid="silence-row"][data-silence-id="${silence.id}"]`);
    await expect(row.getByTestId("silence-state")).toHaveText("active");
    await expect(row).toContainText(`instance="${instance}"`);
    await expect(row).toContainText("ack by operator-omar@example.com");
    const alert = page.getByTestId("alert-row").filter({ hasText: instance });
    await expect(alert).toContainText("firing");
    await expect(alert.getByTestId("alert-job")).toContainText(["restart-console-e2edry run"]);
    // Expiring asks first, naming what comes back.
    await row.getByRole("button", { name: "Expire" }).click();
    const dialog = page.getByRole("dialog", { name: "Expire this silence?" });
    await expect(dialog).toContainText("Alertmanager will notify again");
    await dialog.getByRole("button", { name: "Expire silence" }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByTestId("silence-state")).toHaveText("expired");
    await expect(row.getByRole("button", { name: "Expire" })).toHaveCount(0);
    const after = (await (await fetch(`${am}/api/v2/silence/${silence.id}`)).json()) as Silence;
    expect(after.status.state).toBe("expired");
    await snap(page, "autoheal-silence-expired");
  });

  test("a viewer sees the state but no switches and no ack form, and the server refuses a PATCH from the page", async ({ page }) => {
    await signIn(page, "viewer-vera", "viewer");
    await nav(page, "Autoheal").click();
    await expect(page.getByTestId("autoheal-mode")).toBeVisible();
    await expect(page.getByTestId("rule-row")).toHaveCount(1);
    for (const name of ["Turn dry run off", "Turn dry run on", "Disable autoheal", "Enable autoheal", "Acknowledge"]) {
      await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
    }
    await expect(page.getByLabel("Labels")).toHaveCount(0);
    await snap(page, "autoheal-viewer");
    const attempt = await page.evaluate(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const patch = await fetch("/api/v1/autoheal", { method: "PATCH", headers: { "x-csrf-token": csrf, "content-type": "application/json" }, body: '{"dry_run":false}' });
      const ack = await fetch("/api/ack", {
        method: "POST",
        headers: { "x-csrf-token": csrf, "content-type": "application/json" },
        body: JSON.stringify({ labels: '{"alertname":"X"}', duration: "1h" }),
      });
      return { csrf: csrf.length > 0, patch: patch.status, ack: ack.status };
    });
    expect(attempt).toEqual({ csrf: true, patch: 403, ack: 403 });
    await page.reload();
    await expect(page.getByTestId("autoheal-mode")).toContainText("Dry run");
  });

  test("an admin turns dry run off behind a confirmation that names the consequence, sees the state change, and turns it back on", async ({ page }) => {
    await signIn(page, "admin-ada", "admin");
    await nav(page, "Autoheal").click();
    const mode = page.getByTestId("autoheal-mode");
    await expect(mode).toContainText("Dry run");
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "autoheal");
    await page.getByRole("button", { name: "Turn dry run off" }).click();
    const dialog = page.getByRole("dialog", { name: "Turn dry run off?" });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("Turning dry run off makes Vigil send real remediation requests");
    await snap(page, "autoheal-admin-confirm");
    // Cancel changes nothing.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    await expect(mode).toContainText("Dry run");

    await page.getByRole("button", { name: "Turn dry run off" }).click();
    await dialog.getByRole("button", { name: "Send real requests" }).click();
    await expect(dialog).toBeHidden();
    await expect(mode).toContainText("Live");
    await expect(page.getByTestId("autoheal-heartbeat")).toContainText("admin-ada");
    await snap(page, "autoheal-admin-live");
    // Shared state, not this tab's: a fresh render and the public status agree.
    await page.reload();
    await expect(mode).toContainText("Live");
    const status = (await (await fetch(`${env("E2E_VIGIL")}/api/autoheal/status`)).json()) as { dry_run: boolean };
    expect(status.dry_run).toBe(false);
    expect(status).not.toHaveProperty("updated_by"); // who switched is for signed-in readers

    await page.getByRole("button", { name: "Turn dry run on" }).click();
    const back = page.getByRole("dialog", { name: "Turn dry run on?" });
    await expect(back).toContainText("sends nothing");
    await back.getByRole("button", { name: "Turn dry run on" }).click();
    await expect(back).toBeHidden();
    await expect(mode).toContainText("Dry run");

    // Both changes are in the audit log, attributed to the admin.
    await page.goto(`${env("E2E_VIGIL")}/audit?q=${encodeURIComponent("kind=autoheal_toggled")}`);
    await expect(page.getByTestId("audit-row").filter({ hasText: "admin-ada" })).toHaveCount(2);
  });

  test("an ack while Alertmanager is down says plainly it failed, and Try again silences once it is back", async ({ page }) => {
    test.setTimeout(90_000);
    // A Vigil of its own (trial mode, development sign-in) and an Alertmanager this test stops and starts again on its port.
    const amPort = await freePort();
    let am = await startAlertmanager({ port: amPort });
    const port = await freePort();
    const production = productionEnv(port, {}, "localhost");
    const vigil = await startVigil("ack-retry", {
      NODE_ENV: "development",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      AUTH_URL: production.AUTH_URL ?? "",
      VIGIL_DATA_DIR: production.VIGIL_DATA_DIR ?? "",
      LOG_LEVEL: "warn",
      ALERTMANAGER_URL: am.url,
    });
    try {
      await page.goto(`${vigil.baseUrl}/`);
      await page.getByRole("button", { name: "Continue as development admin" }).click();
      await expect(page.getByTestId("signed-in-user")).toHaveText("Development admin · admin");
      await page.goto(`${vigil.baseUrl}/autoheal`);
      await am.stop();

      await page.getByLabel("Labels").fill("alertname=AckRetry\ninstance=web-9");
      await page.getByRole("button", { name: "Acknowledge" }).click();
      const result = page.getByTestId("ack-result");
      await expect(result).toContainText("Not silenced.");
      await expect(result).toContainText("Alertmanager unreachable");
      await expect(result).toContainText("keeps paging");
      await snap(page, "autoheal-ack-failed");

      am = await startAlertmanager({ port: amPort });
      await result.getByRole("button", { name: "Try again" }).click();
      await expect(page.getByTestId("silence-id")).toHaveText(/^[0-9a-f-]{36}$/);
      const silences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Silence[];
      expect(silences.filter((x) => x.status.state === "active").map((x) => x.matchers.map((m) => `${m.name}=${m.value}`).sort())).toEqual([["alertname=AckRetry", "instance=web-9"]]);
      // Both attempts are on record: the failure, then the silence.
      await page.goto(`${vigil.baseUrl}/audit?q=${encodeURIComponent("kind=ack OR kind=ack_failed")}`);
      await expect(page.getByTestId("audit-row")).toHaveCount(2);
    } finally {
      await vigil.stop();
      await am.stop();
    }
  });
});
