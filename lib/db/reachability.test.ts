import { afterEach, describe, expect, it } from "vitest";
import { assertDatabaseReachable, DatabaseDownError, databaseDownSince, noteDatabaseError, setReachabilityProbe, stopReachability } from "./reachability";

const failure = (code: string) => Object.assign(new Error(code), { code });

describe("database reachability", () => {
  afterEach(() => stopReachability());

  it("marks the database down on a failure to connect, refuses at once, and lets requests through once the probe answers", async () => {
    let answers = false;
    let probes = 0;
    setReachabilityProbe(async () => {
      probes++;
      if (!answers) throw failure("CONNECT_TIMEOUT");
    });
    noteDatabaseError(new Error("query failed", { cause: failure("CONNECT_TIMEOUT") }));
    expect(databaseDownSince()).not.toBeNull();
    expect(() => assertDatabaseReachable()).toThrow(DatabaseDownError);
    await expect.poll(() => probes).toBeGreaterThanOrEqual(2);
    expect(databaseDownSince()).not.toBeNull();
    answers = true;
    await expect.poll(() => databaseDownSince()).toBeNull();
    expect(() => assertDatabaseReachable()).not.toThrow();
  });

  it.each(["CONNECTION_CLOSED", "ECONNRESET", "23505", "53100"])("does not mark it down for %s (not a failure to connect)", (code) => {
    setReachabilityProbe(async () => {});
    noteDatabaseError(failure(code));
    expect(databaseDownSince()).toBeNull();
  });

  it("never marks the embedded database down (no probe)", () => {
    setReachabilityProbe(undefined);
    noteDatabaseError(failure("ECONNREFUSED"));
    expect(databaseDownSince()).toBeNull();
  });
});
