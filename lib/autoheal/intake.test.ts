import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import type { Db } from "@/lib/db/types";
import { INTAKE_ACTOR, intakeAlerts } from "./intake";
import { setRules } from "./rules-store";
import { ensureState } from "./state";
import { count, eventsOf, fingerprint, rulesFrom, webhook, webhookRule } from "@/lib/testing/autoheal";

// As the route's alertmanager checker hands it over: Alertmanager's request, acting as itself.
const origin = (db: Db, requestId: string) => ({ db, by: INTAKE_ACTOR, requestId, ip: "127.0.0.1", userAgent: "Alertmanager/0.25.0" });
const rules = rulesFrom(`rules:${webhookRule("heal-disk", "DiskFull", "http://127.0.0.1:9")}${webhookRule("heal-disk-2", "DiskFull", "http://127.0.0.1:9")}`);

describe.each(testTargets())("alert intake on $name", (target) => {
  let t: TestDatabase;
  const jobsFor = (fp: string) => count(t.handle.db, sql`select count(*) as n from autoheal_jobs j join autoheal_alerts a on a.id = j.alert_id where a.fingerprint = ${fp}`);
  beforeAll(async () => {
    t = await target.open();
    await ensureState(t.handle.db);
    setRules(rules);
  });
  afterAll(async () => t?.drop());

  it("stores a firing alert, one job per matching rule and alert_received; a repeat queues nothing", async () => {
    const fp = fingerprint();
    const body = webhook([{ labels: { alertname: "DiskFull", instance: "db-1" }, fingerprint: fp }, { labels: { alertname: "Other" } }]);
    const first = await intakeAlerts(origin(t.handle.db, "req-1"), body);
    expect(first).toEqual({ alerts: 2, new: 2, repeats: 0, resolved: 0, jobs: 2 });
    expect(await jobsFor(fp)).toBe(2);

    const again = await intakeAlerts(origin(t.handle.db, "req-2"), body);
    expect(again).toMatchObject({ new: 0, repeats: 2, jobs: 0 });
    expect(await jobsFor(fp)).toBe(2);
    const received = (await eventsOf(t.handle.db, "alert_received", "DiskFull")).filter((e) => e.metadata.fingerprint === fp);
    expect(received.map((e) => [e.request_id, e.metadata.repeat, e.metadata.rules])).toEqual([
      ["req-1", false, ["heal-disk", "heal-disk-2"]],
      ["req-2", true, []],
    ]);
    expect(received[0]?.labels).toEqual({ alertname: "DiskFull", instance: "db-1" });
  });

  it("records resolved notifications and closes the alert; a repeat resolve is marked as one", async () => {
    const fp = fingerprint();
    const labels = { alertname: "Flappy", instance: "x" };
    await intakeAlerts(origin(t.handle.db, "r1"), webhook([{ labels, fingerprint: fp }]));
    const resolved = await intakeAlerts(origin(t.handle.db, "r2"), webhook([{ labels, fingerprint: fp, status: "resolved" }]));
    expect(resolved).toMatchObject({ resolved: 1, new: 0 });
    await intakeAlerts(origin(t.handle.db, "r3"), webhook([{ labels, fingerprint: fp, status: "resolved" }]));
    // A late retry of the old "firing" cannot reopen it.
    await intakeAlerts(origin(t.handle.db, "r4"), webhook([{ labels, fingerprint: fp }]));
    expect(await count(t.handle.db, sql`select count(*) as n from autoheal_alerts where fingerprint = ${fp} and status = 'resolved' and resolved_at is not null`)).toBe(1);
    const events = await eventsOf(t.handle.db, "alert_resolved", "Flappy");
    expect(events.map((e) => e.metadata.repeat)).toEqual([false, true]);
  });

  it("stores nothing when any part of the payload's transaction fails", async () => {
    const fp = fingerprint();
    // A trigger makes the audit insert fail for one alert: the alerts and jobs before it must go too.
    await t.handle.db.execute(sql`create or replace function autoheal_poison() returns trigger language plpgsql as $$
      begin if new.alertname = 'Poison' then raise exception 'poisoned'; end if; return new; end $$`);
    await t.handle.db.execute(sql`create trigger autoheal_poison before insert on audit_events for each row execute function autoheal_poison()`);
    try {
      const body = webhook([{ labels: { alertname: "DiskFull", instance: "db-9" }, fingerprint: fp }, { labels: { alertname: "Poison" } }]);
      await expect(intakeAlerts(origin(t.handle.db, "r-poison"), body)).rejects.toThrow();
    } finally {
      await t.handle.db.execute(sql`drop trigger autoheal_poison on audit_events`);
    }
    expect(await count(t.handle.db, sql`select count(*) as n from autoheal_alerts where fingerprint = ${fp}`)).toBe(0);
    expect(await count(t.handle.db, sql`select count(*) as n from autoheal_jobs where request_id = 'r-poison'`)).toBe(0);
    expect(await count(t.handle.db, sql`select count(*) as n from audit_events where request_id = 'r-poison'`)).toBe(0);
  });

  it("while autoheal is off records alerts and queues no jobs", async () => {
    await t.handle.db.execute(sql`update autoheal_state set enabled = false`);
    try {
      const fp = fingerprint();
      const result = await intakeAlerts(origin(t.handle.db, "r-off"), webhook([{ labels: { alertname: "DiskFull", instance: "off" }, fingerprint: fp }]));
      expect(result).toMatchObject({ new: 1, jobs: 0 });
      expect(await jobsFor(fp)).toBe(0);
      const [event] = (await eventsOf(t.handle.db, "alert_received", "DiskFull")).filter((e) => e.metadata.fingerprint === fp);
      expect(event?.metadata).toMatchObject({ autoheal: "disabled", jobs: 0 });
    } finally {
      await t.handle.db.execute(sql`update autoheal_state set enabled = true`);
    }
  });

  it("queues one job per rule when the same webhook arrives twice at once", async () => {
    const fp = fingerprint();
    const body = webhook([{ labels: { alertname: "DiskFull", instance: "race" }, fingerprint: fp }]);
    const results = await Promise.all([intakeAlerts(origin(t.handle.db, "race-a"), body), intakeAlerts(origin(t.handle.db, "race-b"), body)]);
    expect(results.map((r) => r.jobs).sort()).toEqual([0, 2]);
    expect(await jobsFor(fp)).toBe(2);
  });
});
