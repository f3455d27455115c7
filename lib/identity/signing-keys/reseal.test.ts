import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, signingKeys } from "@/drizzle/schema";
import { ensureSigningKey } from "@/lib/keys/ensure";
import { currentSigningKey, forgetKeyring, loadKeyring, noSigningKeyReason, sealProblems } from "@/lib/keys/keyring";
import { deriveVersion } from "@/lib/keys/server-secrets";
import { machineCtx } from "@/lib/testing/actors";
import { SECRET_A, SECRET_B, SECRET_C, runWithSecrets } from "@/lib/testing/secrets";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { resealSigningKeys } from "./reseal";

const vA = deriveVersion(SECRET_A).version;
const vB = deriveVersion(SECRET_B).version;

describe.each(testTargets())("signing keys through an AUTH_SECRET rotation on $name", (target) => {
  let t: TestDatabase;
  let restore = () => {};
  let kid = "";
  const sealed = async () => (await t.handle.db.select().from(signingKeys).where(eq(signingKeys.kid, kid)))[0]?.privateKeySealed ?? "";
  const switchTo = (current: string, previous: string[] = []) => {
    restore();
    restore = runWithSecrets(current, previous);
  };
  beforeAll(async () => {
    restore = runWithSecrets(SECRET_A);
    t = await target.open();
    await ensureSigningKey(t.handle.db);
    await loadKeyring(t.handle.db);
    kid = currentSigningKey()?.kid ?? "";
  });
  afterEach(() => switchTo(SECRET_A));
  afterAll(async () => {
    restore();
    await t?.drop();
  });

  it("seals new keys under the current secret's version", async () => {
    expect((await sealed()).split(".").slice(0, 2)).toEqual(["v1", vA]);
  });

  it("without the secret that sealed them: still publishes the key, never signs with it, and says which version is missing", async () => {
    switchTo(SECRET_B, [SECRET_C]);
    // A fresh process: nothing held from before.
    forgetKeyring();
    const ring = await loadKeyring(t.handle.db);
    expect(ring.map((k) => k.kid)).toContain(kid);
    expect(currentSigningKey()).toBeUndefined();
    expect(sealProblems()).toEqual([{ kid, version: vA, reason: "unknown_version" }]);
    expect(noSigningKeyReason()).toMatch(/AUTH_SECRET_PREVIOUS/);
    const report = await resealSigningKeys(machineCtx(t.handle.db));
    expect(report).toEqual({ resealed: [], current: 0, unopenable: [{ kid, version: vA }] });
    expect((await sealed()).split(".")[1]).toBe(vA);
  });

  it("re-seals under the current secret with the previous one configured, once, audited without key material; then the previous secret can go", async () => {
    switchTo(SECRET_B, [SECRET_A]);
    await loadKeyring(t.handle.db);
    expect(currentSigningKey()?.kid).toBe(kid);
    const before = await sealed();
    const [first, second] = await Promise.all([resealSigningKeys(machineCtx(t.handle.db)), resealSigningKeys(machineCtx(t.handle.db))]);
    expect([first?.resealed, second?.resealed].flat()).toEqual([{ kid, from_version: vA }]);
    // The loser finds the key re-sealed already: current all the same.
    expect([first, second].map((r) => (r?.current ?? 0) + (r?.resealed.length ?? 0))).toEqual([1, 1]);
    const after = await sealed();
    expect(after.split(".").slice(0, 2)).toEqual(["v1", vB]);
    const events = await t.handle.db.select().from(auditEvents).where(eq(auditEvents.kind, "key.resealed"));
    expect(events.map((e) => e.metadata)).toEqual([{ kid, from_version: vA, to_version: vB }]);
    expect(JSON.stringify(events)).not.toContain(before.split(".")[4]);
    switchTo(SECRET_B);
    await loadKeyring(t.handle.db);
    expect(currentSigningKey()?.kid).toBe(kid);
    expect(sealProblems()).toEqual([]);
    expect(await resealSigningKeys(machineCtx(t.handle.db))).toEqual({ resealed: [], current: 1, unopenable: [] });
  });

  it("keeps signing with a key it holds when another replica re-sealed it under a secret this one does not know yet", async () => {
    // This replica runs on B (the key is sealed under B since the test above) and holds the key.
    switchTo(SECRET_B);
    forgetKeyring();
    await loadKeyring(t.handle.db);
    // Another replica, already on C, re-seals it: a rolling change made in one step.
    switchTo(SECRET_C, [SECRET_B]);
    await resealSigningKeys(machineCtx(t.handle.db));
    expect((await sealed()).split(".")[1]).toBe(deriveVersion(SECRET_C).version);
    // This one's next refresh cannot open the row, but the key is the one it holds.
    switchTo(SECRET_B);
    await loadKeyring(t.handle.db);
    expect(currentSigningKey()?.kid).toBe(kid);
    expect(currentSigningKey()?.trusted).toBe(true);
    // A fresh process on B alone could not.
    forgetKeyring();
    await loadKeyring(t.handle.db);
    expect(currentSigningKey()).toBeUndefined();
  });
});
