import { describe, expect, it } from "vitest";
import { GroupRunner } from "./group";

describe("GroupRunner", () => {
  it("counts what waits for a run, not what is in one, and runs the waiting together", async () => {
    const runs: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runner = new GroupRunner<number, number>(async (items) => {
      runs.push(items);
      await gate;
      return items.map((i) => i * 2);
    });
    const first = runner.submit(1);
    expect(runner.pending).toBe(0); // the first starts a run at once
    const rest = [2, 3, 4].map((i) => runner.submit(i));
    expect(runner.pending).toBe(3);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
    expect(runner.pending).toBe(0);
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });
});
