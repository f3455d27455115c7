import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import { currentSigningKey } from "@/lib/keys/keyring";
import { signJwt } from "@/lib/identity/tokens/sign";
import { gateView } from "@/lib/identity/state-view";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { bearerCaller } from "./bearer";
import { sessionLapse } from "./lapse";
import { endSession, sessionEnded } from "./session/end";

const AGENT = "4f0c0000-0000-4000-8000-0000000000b2";

describe.each(testTargets())("how long a caller's authority lasts, on $name", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openLikeServer(target);
  });
  afterAll(async () => t?.drop());

  async function token(claims: Record<string, unknown> = {}) {
    const key = currentSigningKey();
    if (!key) throw new Error("no key");
    const now = Math.floor(Date.now() / 1000);
    return signJwt(key, { typ: "at+jwt" }, { iss: "http://vigil.test", aud: "http://vigil.test", sub: AGENT, jti: `j-${Math.random()}`, iat: now, exp: now + 90, scope: "audit:read", ...claims });
  }

  it("a Vigil token lapses at its exp, and is withdrawn (with a call to its watchers) when revoked or its agent suspended", async () => {
    const view = gateView(t.handle.db);
    if (!view) throw new Error("no gate view");
    const jti = `j-revoked-${Math.random()}`;
    const { lapse } = await bearerCaller(t.handle.db, `Bearer ${await token({ jti })}`);
    const exp = Math.floor(Date.now() / 1000) + 90;
    expect(Math.abs(lapse.expiresAt - exp * 1000)).toBeLessThanOrEqual(1000);
    expect(lapse.withdrawn()).toBeNull();
    let heard = 0;
    const stop = lapse.watch?.(() => (heard += 1));
    view.apply({ t: "jti", jti, exp });
    expect(heard).toBeGreaterThan(0);
    expect(lapse.withdrawn()).toBe("token revoked");

    const other = await bearerCaller(t.handle.db, `Bearer ${await token()}`);
    const heardBefore = heard;
    view.apply({ t: "agent", id: AGENT, status: "suspended", v: Date.now() });
    expect(other.lapse.withdrawn()).toBe("agent suspended");
    expect(heard).toBeGreaterThan(heardBefore);
    stop?.();
    const heardAtStop = heard;
    view.apply({ t: "agent", id: AGENT, status: "active", v: Date.now() + 1 });
    expect(heard).toBe(heardAtStop);
    expect(other.lapse.withdrawn()).toBeNull();
  });

  it("a console session is withdrawn once it is ended: recorded once, audited once, whoever ends it twice", async () => {
    const sid = crypto.randomUUID();
    const until = Math.floor(Date.now() / 1000) + 3600;
    const lapse = sessionLapse(t.handle.db, sid, until);
    expect(lapse.withdrawn()).toBeNull();
    expect(await sessionEnded(t.handle.db, sid)).toBe(false);
    const ctx = ctxFor(t.handle.db, actorWith());
    await endSession(ctx, { sid, until });
    await endSession(ctx, { sid, until });
    expect(lapse.withdrawn()).toBe("signed out");
    expect(await sessionEnded(t.handle.db, sid)).toBe(true);
    const events = await t.handle.db.select().from(auditEvents).where(eq(auditEvents.kind, "session.ended"));
    expect(events.filter((e) => (e.metadata as { session?: string }).session === sid)).toHaveLength(1);
  });
});
