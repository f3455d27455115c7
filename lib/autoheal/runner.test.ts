import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { ForbiddenError } from "@/lib/errors";
import { toggleAutoheal } from "./toggle";
import type { Db } from "@/lib/db/types";
import { INTAKE_ACTOR, intakeAlerts } from "./intake";
import { setRules } from "./rules-store";
import type { ServerResponse } from "node:http";
import { spawnSync } from "node:child_process";
import { claimJobs, reclaimOwnDeadLeases } from "./jobs";
import { RULE_LOCK, runJob } from "./run-job";
import { startRunner, type Runner } from "./runner";
import type { RuleSet } from "./rules";
import { ensureState } from "./state";
import { count, eventsOf, fingerprint, rulesFrom, webhook, webhookRule } from "@/lib/testing/autoheal";
import { startTarget } from "@/lib/testing/autoheal-target";

// As the route's alertmanager checker hands it over: Alertmanager's request, acting as itself.
const origin = (db: Db, requestId: string) => ({ db, by: INTAKE_ACTOR, requestId, ip: "127.0.0.1", userAgent: "Alertmanager/0.25.0" });
const admin = actorWith("admin");

describe.each(testTargets())("autoheal runner on $name", (target) => {
  let t: TestDatabase;
  let target200: Awaited<ReturnType<typeof startTarget>>;
  let target500: Awaited<ReturnType<typeof startTarget>>;
  let rules: RuleSet;
  const runners: Runner[] = [];
  const runner = async (instance: string) => {
    const r = await startRunner(t.handle, { instance, timers: false, rules: () => rules, leaseMs: 60_000 });
    runners.push(r);
    return r;
  };
  const setSwitches = (input: { enabled?: boolean; dry_run?: boolean }) => toggleAutoheal(ctxFor(t.handle.db, admin), input);
  const post = (alertname: string, instance: string, requestId: string, startsAt?: string) =>
    intakeAlerts(origin(t.handle.db, requestId), webhook([{ labels: { alertname, instance }, fingerprint: fingerprint(), ...(startsAt ? { startsAt } : {}) }]));

  beforeAll(async () => {
    t = await target.open();
    await ensureState(t.handle.db);
    target200 = await startTarget((_, __, res) => res.writeHead(200).end("ok"));
    target500 = await startTarget((_, __, res) => res.writeHead(500).end("broken"));
    rules = rulesFrom(`rules:
${webhookRule("heal-ok", "HealOk", target200.url)}
${webhookRule("heal-fail", "HealFail", target500.url)}
${webhookRule("heal-cool", "HealCool", target200.url, { cooldown: "1h", max: 100, window: "1h" })}
${webhookRule("heal-radius", "HealRadius", target200.url, { cooldown: "0s", max: 2, window: "1h" })}
${webhookRule("heal-race", "HealRace", target200.url, { cooldown: "0s", max: 2, window: "1h" })}
${webhookRule("heal-twice", "HealTwice", target200.url)}
${webhookRule("heal-lease", "HealLease", target200.url)}
${webhookRule("heal-off", "HealOff", target200.url)}`);
    setRules(rules);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await setSwitches({ enabled: true, dry_run: false });
  });
  afterAll(async () => {
    await target200?.close();
    await target500?.close();
    await t?.drop();
  });

  it("sends the action and records action_ok with status, attempts and the intake's request id", async () => {
    await setSwitches({ dry_run: false });
    await post("HealOk", "web-1", "req-ok");
    const seen = target200.nextRequest();
    await (await runner("a")).drain();
    const request = await seen;
    expect(request.url).toBe("/hook/web-1");
    expect(request.headers["x-request-id"]).toBe("req-ok");
    expect(request.headers.authorization).toBe("Bearer target-secret");
    const [event] = await eventsOf(t.handle.db, "action_ok", "HealOk");
    expect(event).toMatchObject({ rule: "heal-ok", request_id: "req-ok", outcome: "success" });
    expect(event?.metadata).toMatchObject({ result: "ok", status: 200, attempts: 1, summary: expect.stringContaining("/hook/web-1") });
    expect(typeof event?.metadata.duration_ms).toBe("number");
    // The recorded request never holds the target's secret.
    expect(JSON.stringify(event)).not.toContain("target-secret");
  });

  it("records action_fail with the target's answer", async () => {
    await setSwitches({ dry_run: false });
    await post("HealFail", "web-2", "req-fail");
    await (await runner("a")).drain();
    const [event] = await eventsOf(t.handle.db, "action_fail", "HealFail");
    expect(event).toMatchObject({ outcome: "failure", rule: "heal-fail" });
    expect(event?.metadata).toMatchObject({ result: "fail", status: 500, error: "HTTP 500: broken" });
    expect(await count(t.handle.db, sql`select count(*) as n from autoheal_jobs where rule = 'heal-fail' and status = 'failed'`)).toBe(1);
  });

  it("in dry run records the exact request, redacted, and sends nothing", async () => {
    await setSwitches({ dry_run: true });
    const before = target200.received.length;
    await post("HealOk", "web-dry", "req-dry");
    await (await runner("a")).drain();
    const [event] = await eventsOf(t.handle.db, "action_dry_run", "HealOk");
    const plan = event?.metadata.plan as { request: { method: string; url: string; headers: Record<string, string> } };
    expect(plan.request.method).toBe("POST");
    expect(plan.request.url).toBe(`${target200.url}/hook/web-dry`);
    expect(plan.request.headers["X-Request-Id"]).toBe("req-dry");
    expect(plan.request.headers["X-Alert"]).toBe("HealOk");
    expect(JSON.stringify(event)).not.toContain("target-secret");
    expect(target200.received.length).toBe(before);
  });

  it("skips a repeat inside the cooldown, per rule and label set", async () => {
    await setSwitches({ dry_run: false });
    const r = await runner("a");
    await post("HealCool", "db-1", "cool-1", "2026-11-24T01:00:00Z");
    await r.drain();
    await post("HealCool", "db-1", "cool-2", "2026-11-24T02:00:00Z"); // a new episode of the same alert
    await post("HealCool", "db-2", "cool-3", "2026-11-24T02:00:00Z"); // another label set
    await r.drain();
    expect((await eventsOf(t.handle.db, "action_ok", "HealCool")).map((e) => e.request_id)).toEqual(["cool-1", "cool-3"]);
    const [skipped] = await eventsOf(t.handle.db, "action_skipped_cooldown", "HealCool");
    expect(skipped).toMatchObject({ request_id: "cool-2", rule: "heal-cool" });
    expect(skipped?.metadata).toMatchObject({ reason: "cooldown", result: "skipped_cooldown" });
    expect(Number(skipped?.metadata.remaining_ms)).toBeGreaterThan(3_500_000);
  });

  it("stops a rule at its blast radius", async () => {
    await setSwitches({ dry_run: false });
    for (const host of ["h1", "h2", "h3"]) await post("HealRadius", host, `radius-${host}`);
    await (await runner("a")).drain();
    expect(await eventsOf(t.handle.db, "action_ok", "HealRadius")).toHaveLength(2);
    const [held] = await eventsOf(t.handle.db, "action_skipped_cooldown", "HealRadius");
    expect(held?.metadata).toMatchObject({ reason: "blast_radius", in_window: 2, max_actions: 2 });
  });

  if (target.name === "postgres") {
    it("counts actions another runner committed while this one waited for the rule's lock", async () => {
      await setSwitches({ dry_run: false });
      for (const host of ["r1", "r2", "r3"]) await post("HealRace", host, `race-${host}`);
      const claimed = await claimJobs(t.handle.db, "racer", 10, 60_000);
      const [mine, ...others] = claimed.filter((j) => j.rule === "heal-race");
      if (!mine || others.length !== 2 || !t.handle.sql) throw new Error("setup: three heal-race jobs on PostgreSQL");
      // Another runner holds the rule's lock while this one starts deciding...
      const other = await t.handle.sql.reserve();
      try {
        await other`begin`;
        await other`select pg_advisory_xact_lock(${RULE_LOCK}, hashtext('heal-race'))`;
        const deciding = runJob(t.handle.db, mine, { instance: "racer", rules, signal: new AbortController().signal });
        const waiting = sql`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`;
        await expect.poll(() => count(t.handle.db, waiting)).toBe(1);
        // ...and acts twice, the rule's whole blast radius, after this one's transaction began.
        for (const job of others) await other`update autoheal_jobs set acted_at = clock_timestamp() where id = ${job.id}`;
        await other`commit`;
        expect(await deciding).toBe("skipped_blast_radius");
      } finally {
        other.release();
      }
      expect(target200.received.filter((r) => r.url.startsWith("/hook/r"))).toEqual([]);
    });
  }

  it("runs each job once with two runners draining the same queue", async () => {
    await setSwitches({ dry_run: false });
    const before = target200.received.filter((r) => r.url.startsWith("/hook/twice-")).length;
    for (let i = 0; i < 12; i++) await post("HealTwice", `twice-${i}`, `twice-${i}`);
    const [a, b] = [await runner("a"), await runner("b")];
    await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
    const hits = target200.received.filter((r) => r.url.startsWith("/hook/twice-")).map((r) => r.url);
    expect(hits.length - before).toBe(12);
    expect(new Set(hits).size).toBe(hits.length);
    expect(await eventsOf(t.handle.db, "action_ok", "HealTwice")).toHaveLength(12);
  });

  it("retries a job whose runner died once its lease has expired", async () => {
    await setSwitches({ dry_run: false });
    await post("HealLease", "orphan", "req-lease");
    const [claimed] = await claimJobs(t.handle.db, "dead-instance", 10, 60_000);
    expect(claimed?.rule).toBe("heal-lease");
    const b = await runner("b");
    await b.drain();
    expect(await eventsOf(t.handle.db, "action_ok", "HealLease")).toHaveLength(0); // leased by the dead one
    await t.handle.db.execute(sql`update autoheal_jobs set lease_until = now() - interval '1 second' where leased_by = 'dead-instance'`);
    await b.drain();
    const [event] = await eventsOf(t.handle.db, "action_ok", "HealLease");
    expect(event?.metadata).toMatchObject({ attempt: 2 });
  });

  it("a job re-claimed after its runner died having decided obeys the switches as they are now", async () => {
    await setSwitches({ dry_run: false });
    const expire = sql`update autoheal_jobs set lease_until = now() - interval '1 second' where leased_by = 'died-deciding'`;
    // A runner that decided to act (acted_at set) and died before its request went out.
    const dieAfterDeciding = async (instance: string) => {
      await post("HealLease", instance, `req-${instance}`);
      const claimed = await claimJobs(t.handle.db, "died-deciding", 10, 60_000);
      const job = claimed.find((j) => j.requestId === `req-${instance}`);
      expect(job).toBeDefined();
      await t.handle.db.execute(sql`update autoheal_jobs set acted_at = now() where id = ${job?.id ?? -1}`);
      await t.handle.db.execute(expire);
    };
    await dieAfterDeciding("kill-dry");
    await setSwitches({ dry_run: true }); // the canary back on
    const b = await runner("b");
    await b.drain();
    await b.stop(); // or it would take the next job as soon as it is queued
    const [dry] = (await eventsOf(t.handle.db, "action_dry_run", "HealLease")).filter((e) => e.request_id === "req-kill-dry");
    expect(dry?.metadata).toMatchObject({ reason: "re-claimed while in dry run", attempt: 2 });
    await dieAfterDeciding("kill-off");
    await setSwitches({ enabled: false }); // the emergency stop
    await (await runner("c")).drain();
    const [off] = (await eventsOf(t.handle.db, "action_skipped_disabled", "HealLease")).filter((e) => e.request_id === "req-kill-off");
    expect(off?.metadata).toMatchObject({ reason: "re-claimed while autoheal is off" });
    expect(target200.received.filter((r) => r.url.startsWith("/hook/kill-"))).toEqual([]);
  });

  it("stops renewing a job whose run failed, so its lease lapses and another runner finishes it", async () => {
    await setSwitches({ dry_run: false });
    // The result cannot be recorded once (a statement timeout, say): the run throws.
    // A sequence, not a table: nextval survives the rollback of the transaction it fails.
    await t.handle.db.execute(sql.raw(`create sequence boom_once`));
    await t.handle.db.execute(
      sql.raw(`create function boom() returns trigger language plpgsql as $$ begin
        if new.kind = 'action_ok' and new.rule = 'heal-lease' and nextval('boom_once') = 1 then
          raise exception 'transient failure'; end if;
        return new; end $$`),
    );
    await t.handle.db.execute(sql.raw(`create trigger boom before insert on audit_events for each row execute function boom()`));
    try {
      await post("HealLease", "stuck-1", "req-stuck");
      const a = await runner("a-stuck");
      await a.drain();
      const lease = sql`select count(*) as n from autoheal_jobs where leased_by = 'a-stuck' and status = 'running' and request_id = 'req-stuck'`;
      expect(await count(t.handle.db, lease)).toBe(1);
      const before = await count(t.handle.db, sql`select extract(epoch from lease_until)::bigint as n from autoheal_jobs where request_id = 'req-stuck'`);
      await a.heartbeat();
      const beat = sql`select count(*) as n from audit_events where kind = 'heartbeat' and metadata->>'instance' = 'a-stuck' and (metadata->>'jobs_in_flight')::int = 0`;
      expect(await count(t.handle.db, beat)).toBe(1);
      expect(await count(t.handle.db, sql`select extract(epoch from lease_until)::bigint as n from autoheal_jobs where request_id = 'req-stuck'`)).toBe(before);
      await t.handle.db.execute(sql`update autoheal_jobs set lease_until = now() - interval '1 second' where request_id = 'req-stuck'`);
      await (await runner("b-rescue")).drain();
      const [ok] = (await eventsOf(t.handle.db, "action_ok", "HealLease")).filter((e) => e.request_id === "req-stuck");
      expect(ok?.metadata).toMatchObject({ attempt: 2 });
    } finally {
      await t.handle.db.execute(sql.raw(`drop trigger boom on audit_events`));
      await t.handle.db.execute(sql.raw(`drop function boom()`));
      await t.handle.db.execute(sql.raw(`drop sequence boom_once`));
    }
  });

  it("toggles are admin-only and audited; a job met while off is recorded as skipped", async () => {
    await expect(toggleAutoheal(ctxFor(t.handle.db, actorWith("audit:read")), { enabled: false })).rejects.toThrow(ForbiddenError);
    await expect(setSwitches({})).rejects.toThrow("send enabled and/or dry_run");
    await post("HealOff", "q", "req-off"); // queued while on
    const toggled = sql`select count(*) as n from audit_events where kind = 'autoheal_toggled' and actor = ${admin.label}
      and metadata->'before'->>'enabled' = 'true' and metadata->'after'->>'enabled' = 'false'`;
    const toggledBefore = await count(t.handle.db, toggled);
    const status = await setSwitches({ enabled: false });
    expect(status).toMatchObject({ enabled: false, updated_by: admin.label });
    await (await runner("a")).drain();
    const [skipped] = await eventsOf(t.handle.db, "action_skipped_disabled", "HealOff");
    expect(skipped?.metadata.result).toBe("skipped_disabled");
    expect(await count(t.handle.db, toggled)).toBe(toggledBefore + 1);
  });

  describe("a slow target cannot take every slot (issue 20 item 6)", () => {
    const held: ServerResponse[] = [];
    let releasing = false;
    let slow: Awaited<ReturnType<typeof startTarget>>;
    let fast: Awaited<ReturnType<typeof startTarget>>;
    let fair: RuleSet;
    beforeAll(async () => {
      slow = await startTarget((_, __, res) => (releasing ? res.writeHead(200).end("ok") : held.push(res)));
      fast = await startTarget((_, __, res) => res.writeHead(200).end("ok"));
      fair = rulesFrom(`rules:
${webhookRule("slow-target", "SlowTarget", slow.url, { cooldown: "0s", max: 100, window: "1h" })}
${webhookRule("fast-target", "FastTarget", fast.url, { cooldown: "0s", max: 100, window: "1h" })}`);
    });
    afterEach(async () => {
      for (const res of held.splice(0)) res.writeHead(200).end("ok");
      releasing = false;
      setRules(rules);
      // Whatever a test queued or only claimed is no one's business after it.
      await t.handle.db.execute(sql`update autoheal_jobs set status = 'done', result = 'fail' where rule in ('slow-target', 'fast-target') and status <> 'done'`);
    });
    afterAll(async () => {
      await slow?.close();
      await fast?.close();
    });
    const queue = async (alertname: string, n: number) => {
      setRules(fair);
      for (let i = 0; i < n; i++) await post(alertname, `${alertname}-${i}-${fingerprint()}`, `req-${alertname}-${i}`);
    };

    it("claims at most each rule's room, and nothing of a rule already at its limit", async () => {
      await queue("SlowTarget", 10);
      await queue("FastTarget", 1);
      const first = await claimJobs(t.handle.db, "fair-claim", 8, 60_000, { full: [], room: () => 4 });
      expect(first.map((j) => j.rule).sort()).toEqual(["fast-target", "slow-target", "slow-target", "slow-target", "slow-target"]);
      const more = await claimJobs(t.handle.db, "fair-claim", 8, 60_000, { full: ["slow-target"], room: () => 0 });
      expect(more).toEqual([]);
    });

    it("sends a healthy target's action while a slow target holds its share of the runner", async () => {
      await queue("SlowTarget", 10);
      await queue("FastTarget", 1);
      const r = await startRunner(t.handle, { instance: "fair", timers: false, rules: () => fair, leaseMs: 60_000, concurrency: 8, ruleConcurrency: 4 });
      runners.push(r);
      const healthy = fast.nextRequest();
      const draining = r.drain();
      await healthy;
      // The slow target still holds every request it got, and got at most its rule's share.
      expect(held.length).toBeLessThanOrEqual(4);
      expect(await count(t.handle.db, sql`select count(*) as n from audit_events where kind = 'action_fail' and rule = 'slow-target'`)).toBe(0);
      await expect.poll(() => held.length).toBe(4);
      releasing = true;
      for (const res of held.splice(0)) res.writeHead(200).end("ok");
      await draining;
      expect(slow.received.length).toBe(10);
    });
  });

  it("a restarted instance takes back at once the jobs its dead previous run held, and no live process's (issue 20 item 3)", async () => {
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;
    const holders = {
      sameProcessSlot: `host-a:${process.pid}:old`, // a container restarted as the same pid
      gone: `host-a:${deadPid}:old`, // its process no longer exists
      alive: `host-a:${process.ppid}:peer`, // a live process on this host
      otherHost: `host-b:${deadPid}:old`, // someone else's: not ours to judge
    };
    // Earlier tests' claims are not this test's business.
    await t.handle.db.execute(sql`update autoheal_jobs set status = 'done', result = 'fail' where status = 'running'`);
    const jobs: Record<string, number> = {};
    for (const [name, holder] of Object.entries(holders)) {
      await post("HealLease", `reclaim-${name}-${fingerprint()}`, `req-reclaim-${name}`);
      const [claimed] = await claimJobs(t.handle.db, holder, 1, 600_000);
      if (!claimed) throw new Error("nothing to claim");
      jobs[name] = claimed.id;
    }
    const me = { instance: "host-a:1:new", identity: "host-a", pid: process.pid };
    expect(await reclaimOwnDeadLeases(t.handle.db, { ...me, embedded: false })).toBe(2);
    const takenBack = await claimJobs(t.handle.db, me.instance, 10, 60_000);
    expect(takenBack.map((j) => j.id).sort()).toEqual([jobs.sameProcessSlot, jobs.gone].sort());
    // On the embedded database only one process can run: every other holder is dead — the
    // live-looking one, the other host's and the two "host-a:1:new" just took.
    expect(await reclaimOwnDeadLeases(t.handle.db, { ...me, instance: "host-a:1:newer", embedded: true })).toBe(4);
    await t.handle.db.execute(sql`update autoheal_jobs set status = 'done', result = 'fail' where status = 'running'`);
  });

  it("heartbeats: an event and the shared timestamp", async () => {
    const r = await runner("beating");
    await r.heartbeat();
    expect(await count(t.handle.db, sql`select count(*) as n from audit_events where kind = 'heartbeat' and metadata->>'instance' = 'beating'`)).toBe(1);
    expect(await count(t.handle.db, sql`select count(*) as n from autoheal_state where heartbeat_by = 'beating' and heartbeat_at is not null`)).toBe(1);
  });
});
