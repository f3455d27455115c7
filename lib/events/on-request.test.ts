import { afterEach, describe, expect, it } from "vitest";
import { refreshOnRequest, refreshStaleViews } from "./on-request";

describe("views refreshed on request (serverless mode)", () => {
  const unregister: Array<() => void> = [];
  afterEach(() => {
    for (const u of unregister.splice(0)) u();
  });

  it("reloads only views older than their bound, once however many requests arrive together", async () => {
    let fresh = 0;
    let stale = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    unregister.push(refreshOnRequest("fresh", 60_000, async () => void fresh++));
    unregister.push(
      refreshOnRequest("stale", 1000, async () => {
        stale++;
        await gate;
      }),
    );
    const later = Date.now() + 1500;
    const requests = [refreshStaleViews(later), refreshStaleViews(later), refreshStaleViews(later)];
    release();
    await Promise.all(requests);
    expect(stale).toBe(1);
    expect(fresh).toBe(0);
    // Just reloaded: not again until it is a bound old.
    await refreshStaleViews(Date.now());
    expect(stale).toBe(1);
  });

  it("keeps what a view holds when its reload fails, and tries again on the next request", async () => {
    let attempts = 0;
    unregister.push(
      refreshOnRequest("flaky", 1000, async () => {
        attempts++;
        if (attempts === 1) throw new Error("database away");
      }),
    );
    await expect(refreshStaleViews(Date.now() + 1500)).resolves.toBeUndefined();
    await refreshStaleViews(Date.now() + 1500);
    expect(attempts).toBe(2);
  });

  it("forgets an unregistered view", async () => {
    let calls = 0;
    refreshOnRequest("gone", 1000, async () => void calls++)();
    await refreshStaleViews(Date.now() + 5000);
    expect(calls).toBe(0);
  });
});
