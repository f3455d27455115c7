import type { EventLoopUtilization } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { embeddedIntakeWarning, noteEmbeddedIntake, resetEmbeddedIntakeWatch } from "./embedded-limit";

/** A fake event loop: `busy` is the utilization the next look reports. */
function loop() {
  const state = { busy: 0 };
  const utilization = (since?: EventLoopUtilization): EventLoopUtilization => (since ? { idle: 0, active: 0, utilization: state.busy } : { idle: 0, active: 0, utilization: 0 });
  return { state, utilization };
}

describe("the embedded database's alert-intake limit", () => {
  afterEach(() => resetEmbeddedIntakeWatch());

  it("warns when the server was saturated over a window while taking alerts, at most once a minute", () => {
    const { state, utilization } = loop();
    const t = 1_000_000;
    expect(noteEmbeddedIntake(t, utilization)).toBe(false); // the first look starts a window
    state.busy = 0.95;
    expect(noteEmbeddedIntake(t + 1000, utilization)).toBe(false); // the window is not over
    expect(noteEmbeddedIntake(t + 2000, utilization)).toBe(true);
    expect(noteEmbeddedIntake(t + 4000, utilization)).toBe(false); // said a minute ago at most
    expect(noteEmbeddedIntake(t + 62_000, utilization)).toBe(true);
  });

  it("stays quiet while the server keeps up", () => {
    const { state, utilization } = loop();
    state.busy = 0.85;
    noteEmbeddedIntake(0, utilization);
    expect(noteEmbeddedIntake(2000, utilization)).toBe(false);
    expect(noteEmbeddedIntake(4000, utilization)).toBe(false);
  });

  it("names the measured limit and the way out", () => {
    const text = embeddedIntakeWarning(0.973, 2);
    expect(text).toContain("busy 97 % of the last 2 s");
    expect(text).toMatch(/about 40 alerts\/s/);
    expect(text).toContain("set DATABASE_URL to PostgreSQL");
  });
});
