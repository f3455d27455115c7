import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { GateStateView } from "@/lib/identity/state-view";
import { ClientCache, type ClientRecord } from "./client-cache";

const record = (status = "active"): ClientRecord => ({
  credentialId: "c1",
  status,
  secretHash: "h",
  previousSecretHash: null,
  previousExpiresAt: null,
  agentId: "a1",
  dpop: "optional",
  agentStatus: "active",
  allowedScopes: [],
  allowedResources: null,
  clientType: "confidential",
  monthlyTokenQuota: null,
  jwks: null,
  jwksUri: null,
});

/** A view that only emits what the test says (the cache listens to nothing else). */
const fakeView = () => {
  const events = new EventEmitter();
  return { view: { events } as unknown as GateStateView, events };
};

/** A read the test finishes by hand, counting how often the cache asked. */
function manualRead() {
  const calls: ((r: ClientRecord) => void)[] = [];
  return { calls, read: () => new Promise<ClientRecord | undefined>((resolve) => calls.push(resolve)) };
}

describe("the client cache", () => {
  it("reads once for many requests that miss at the same moment", async () => {
    const { view } = fakeView();
    const cache = new ClientCache(view);
    const db = manualRead();
    const waiting = Array.from({ length: 50 }, () => cache.getOrLoad("vgc_1", db.read));
    expect(db.calls).toHaveLength(1);
    db.calls[0]?.(record());
    expect((await Promise.all(waiting)).every((r) => r?.status === "active")).toBe(true);
    expect(cache.get("vgc_1")?.status).toBe("active");
  });

  it("never hands a read that began before a change to a request that came after it", async () => {
    const { view, events } = fakeView();
    const cache = new ClientCache(view);
    const db = manualRead();
    const before = cache.getOrLoad("vgc_1", db.read);
    events.emit("change", { t: "client", id: "vgc_1", status: "revoked", v: 2 });
    const after = cache.getOrLoad("vgc_1", db.read);
    expect(db.calls).toHaveLength(2); // the later request read again
    db.calls[1]?.(record("revoked"));
    db.calls[0]?.(record("active")); // the stale read finishes last
    expect((await after)?.status).toBe("revoked");
    expect((await before)?.status).toBe("active");
    // The stale one was not cached over the fresh one.
    expect(cache.get("vgc_1")?.status).toBe("revoked");
  });
});
