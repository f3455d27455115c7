import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CompactSign } from "jose";
import { auditCheckpoints, auditEvents, signingKeys } from "@/drizzle/schema";
import { generatePrivateKey, publicJwkFor } from "@/lib/keys/crypto";
import { inTransaction } from "@/lib/db/transaction";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { appendTestEvent, testEvent } from "@/lib/testing/audit";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { CHECKPOINT_JWS_TYPE, canonicalJson } from "./digest";
import { sealCheckpoint } from "./seal";
import { verifyAudit } from "./verify";

const reader = actorWith("audit:read");
const event = (i: number) => testEvent("token.issued", { i, nested: { b: 2, a: [1, "x"] } }, { actor: `agent:${i}`, labels: { n: String(i) } });

describe.each(testTargets())("audit checkpoints on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openLikeServer(target);
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    // Each test starts from an empty, unsealed log.
    await t.handle.db.execute(sql`truncate audit_events, audit_checkpoints, audit_retention_runs restart identity`);
  });

  async function seed(n: number) {
    await Promise.all(Array.from({ length: n }, (_, i) => appendTestEvent(t.handle.db, event(i))));
  }

  it("seals what was committed, chains checkpoints, and verifies clean", async () => {
    await seed(30);
    const first = await sealCheckpoint(t.handle.db);
    expect(first?.seq).toBe(1);
    expect(first?.eventCount).toBe(30);
    expect(await sealCheckpoint(t.handle.db)).toBeNull(); // nothing new
    await seed(5);
    // A rolled-back insert leaves a hole in the ids: sealed as a gap, not a missing event.
    await inTransaction(t.handle.db, async (tx) => {
      await appendTestEvent(tx, event(99));
      throw new Error("roll back");
    }).catch(() => {});
    await seed(5);
    const second = await sealCheckpoint(t.handle.db);
    expect(second?.seq).toBe(2);
    expect(second?.eventCount).toBe(10);
    expect((second?.document as { prev: string }).prev).toBe(first?.hash);
    expect((second?.document as { gaps: number[][] }).gaps).toHaveLength(1);
    await seed(3);
    const report = await verifyAudit(ctxFor(t.handle.db, reader), {});
    expect(report).toMatchObject({ ok: true, checked_checkpoints: 2, checked_events: 40, unsealed_events: 3, finding: null });
  });

  it("names an event edited, deleted or inserted behind Vigil's back with plain SQL", async () => {
    await seed(20);
    const cp = await sealCheckpoint(t.handle.db);
    const id = (cp?.firstId ?? 0) + 7;

    await t.handle.db.execute(sql`update audit_events set outcome = 'failure' where id = ${id}`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 1, problem: "edited", event_id: String(id) });
    await t.handle.db.execute(sql`update audit_events set outcome = 'success' where id = ${id}`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).ok).toBe(true);

    await t.handle.db.execute(sql`delete from audit_events where id = ${id}`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ problem: "deleted", event_id: String(id) });
  });

  it("detects a row inserted into a sealed range and a rewritten checkpoint", async () => {
    await seed(10);
    await inTransaction(t.handle.db, async (tx) => {
      await appendTestEvent(tx, event(50));
      throw new Error("roll back");
    }).catch(() => {});
    await seed(10);
    const cp = await sealCheckpoint(t.handle.db);
    const [hole] = (cp?.document as { gaps: [number, number][] }).gaps;
    expect(hole).toBeDefined();
    await t.handle.db.execute(
      sql`insert into audit_events (id, kind, actor, outcome) values (${hole?.[0]}, 'token.issued', 'agent:forged', 'success')`,
    );
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ problem: "inserted", event_id: String(hole?.[0]) });
    await t.handle.db.execute(sql`delete from audit_events where actor = 'agent:forged'`);

    // Rewriting the stored document (to hide an edit) breaks its match with the signed one.
    await t.handle.db.execute(sql`update audit_checkpoints set document = jsonb_set(document, '{count}', '19')`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 1, problem: "document" });
    // And a re-signed document needs the private key: a forged JWS does not verify.
    const [row] = await t.handle.db.select().from(auditCheckpoints);
    const [header = "", , signature = ""] = row?.jws.split(".") ?? [];
    const forged = Buffer.from(JSON.stringify({ ...(row?.document ?? {}) })).toString("base64url");
    await t.handle.db.execute(sql`update audit_checkpoints set jws = ${`${header}.${forged}.${signature}`}`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 1, problem: "signature" });
  });

  it("detects a deleted checkpoint in the chain", async () => {
    for (let i = 0; i < 3; i++) {
      await seed(4);
      await sealCheckpoint(t.handle.db);
    }
    await t.handle.db.execute(sql`delete from audit_checkpoints where seq = 2`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 3, problem: "chain" });
  });

  it("trusts no key it cannot sign with: a public key inserted with SQL does not vouch for a checkpoint", async () => {
    await seed(5);
    const cp = await sealCheckpoint(t.handle.db);
    const rogue = generatePrivateKey("ES256");
    const jwk = await publicJwkFor(rogue, "ES256");
    await t.handle.db.insert(signingKeys).values({ kid: jwk.kid, alg: "ES256", publicJwk: jwk, source: "environment", activatesAt: new Date(Date.now() + 1e12) });
    const forged = await new CompactSign(new TextEncoder().encode(canonicalJson(cp?.document)))
      .setProtectedHeader({ alg: "ES256", kid: jwk.kid, typ: CHECKPOINT_JWS_TYPE })
      .sign(rogue);
    await t.handle.db.execute(sql`update audit_checkpoints set jws = ${forged} where seq = 1`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 1, problem: "signature" });
    await t.handle.db.execute(sql`delete from signing_keys where kid = ${jwk.kid}`);
  });

  it("finds a second row forged under an existing id", async () => {
    await seed(2500); // more than one read window
    await sealCheckpoint(t.handle.db);
    await t.handle.db.execute(
      sql`insert into audit_events (id, ts, kind, actor, outcome) select id, ts + interval '1 millisecond', 'forged', 'x', 'success' from audit_events where id = 2000`,
    );
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ problem: "inserted", event_id: "2000" });
  });

  it("calls old unsealed events a finding: checkpoints removed to hide a change", async () => {
    const old = new Date(Date.now() - 86_400_000);
    await t.handle.db.insert(auditEvents).values(Array.from({ length: 5 }, () => ({ ts: old, kind: "token.issued", actor: "agent:x", outcome: "success" as const })));
    await sealCheckpoint(t.handle.db);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).ok).toBe(true);
    await t.handle.db.execute(sql`delete from audit_checkpoints`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 1, problem: "unsealed", event_id: "1" });
  });

  it("lets a retention record excuse only missing old events, never a changed one", async () => {
    const old = new Date(Date.now() - 3 * 86_400_000);
    await t.handle.db.insert(auditEvents).values(Array.from({ length: 6 }, () => ({ ts: old, kind: "token.issued", actor: "agent:x", outcome: "success" as const })));
    await sealCheckpoint(t.handle.db);
    // A forged retention record (appended at the tail, as anyone with SQL could).
    await appendTestEvent(t.handle.db, testEvent("audit.retention", { through_seq: 999, cutoff: new Date(Date.now() - 2 * 86_400_000).toISOString() }, { actor: "system:retention" }));
    await t.handle.db.execute(sql`update audit_events set outcome = 'failure' where id = 3`);
    expect((await verifyAudit(ctxFor(t.handle.db, reader), {})).finding).toMatchObject({ seq: 1, problem: "edited", event_id: "3" });
    await t.handle.db.execute(sql`delete from audit_events where id = 3`);
    expect(await verifyAudit(ctxFor(t.handle.db, reader), {})).toMatchObject({ ok: true, expired_checkpoints: 1 });
  });

  it("refuses a bad time range and a caller without audit:read", async () => {
    await expect(verifyAudit(ctxFor(t.handle.db, reader), { since: "yesterday" })).rejects.toThrow(/since must be an RFC 3339 timestamp/);
    await expect(verifyAudit(ctxFor(t.handle.db, actorWith("agents:read")), {})).rejects.toThrow();
  });
});
