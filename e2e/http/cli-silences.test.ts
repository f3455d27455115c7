import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlertmanagerClient } from "@/lib/autoheal/alertmanager-client";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { startAlertmanager } from "../support/alertmanager";
import { adminToken, api } from "../support/client";
import { cliUser, type CliResult } from "../support/cli";
import { BOOTSTRAP_SECRET, freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * `vigil silences` against an instance with Debian's Alertmanager behind it, and `vigil
 * doctor` where /metrics is protected (METRICS_TOKEN): every check ok, no warning.
 */
const adminUrl = process.env.TEST_DATABASE_URL;
const cleanups: Array<() => Promise<unknown>> = [];
let vigil: VigilProcess;
let amUrl: string;
const user = cliUser();

type Silence = { id: string; state: string; comment: string; origin: { via: string } };
const ok = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r;
};

beforeAll(async () => {
  const am = await startAlertmanager();
  cleanups.push(() => am.stop());
  amUrl = am.url;
  let database: { url?: string } = {};
  if (adminUrl) {
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    database = { url: db.url };
  }
  const port = await freePort();
  vigil = await startVigil("cli-silences", { ...productionEnv(port, database), ALERTMANAGER_URL: am.url, METRICS_TOKEN: "cli-e2e-metrics-token-0123456789" });
  cleanups.push(() => vigil.stop());
  ok(await user.run(["login", "--url", vigil.baseUrl, "--client-id", "vigil-admin"], { env: { VIGIL_CLIENT_SECRET: BOOTSTRAP_SECRET } }));
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("vigil silences", () => {
  it("lists the silences Vigil created and expires one; someone else's is refused", async () => {
    const admin = api(vigil.baseUrl, await adminToken(vigil.baseUrl));
    const ack = await admin("POST", "/api/ack", { labels: JSON.stringify({ alertname: "CliAcked", instance: "web-1" }), duration: "2h", comment: "cli e2e" });
    expect(ack.status).toBe(201);
    const id = ack.json.silence_id as string;
    const now = Date.now();
    const foreign = await createAlertmanagerClient({ url: amUrl }).createSilence({
      matchers: [{ name: "alertname", value: "CliForeign", isRegex: false, isEqual: true }],
      startsAt: new Date(now),
      endsAt: new Date(now + 3_600_000),
      createdBy: "someone",
      comment: "by hand",
    });

    const listed = JSON.parse(ok(await user.run(["silences", "list", "--json"])).stdout) as Silence[];
    expect(listed.map((s) => s.id)).toEqual([id]);
    expect(listed[0]).toMatchObject({ state: "active", comment: "cli e2e", origin: { via: "ack" } });
    expect(ok(await user.run(["silences", "list"])).stdout).toMatch(new RegExp(`^ID +STATE +MATCHERS .*\\n${id} +active +alertname="CliAcked" instance="web-1" +\\S+ +agent:\\S+ +cli e2e\\n$`));

    expect(ok(await user.run(["silences", "expire", id])).stdout).toMatch(new RegExp(`^silence ${id} expired\\n`));
    expect((JSON.parse(ok(await user.run(["silences", "list", "--state", "expired", "--json"])).stdout) as Silence[]).map((s) => s.id)).toEqual([id]);
    expect(ok(await user.run(["silences", "list", "--state", "active"])).stdout).toBe("no silences\n");

    const again = await user.run(["silences", "expire", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^vigil: Conflict: Silence \S+ has already expired .*\[409\]\n$/);
    const theirs = await user.run(["silences", "expire", foreign]);
    expect(theirs.code).toBe(5);
    expect(theirs.stderr).toMatch(/^vigil: Forbidden: Silence \S+ was not created by Vigil/);
  });
});

describe("vigil doctor with /metrics protected", () => {
  it("reports every check ok and no warning", async () => {
    const r = ok(await user.run(["doctor"]));
    expect(r.stdout).toMatch(/^ok {4}metrics +\/metrics refuses a request without a token \(401\)$/m);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("healthy");
    expect(r.stdout).not.toMatch(/^(warn|FAIL|skip)/m);
  });
});
