import { spawn, type SpawnOptions } from "node:child_process";
import { once } from "node:events";

export type Child = {
  pid: number | undefined;
  output: () => string;
  /** Sends `signal` (if still running) and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/**
 * Starts a peer and polls `ready` until it says yes — a visible state, not a fixed sleep.
 * Fails with the peer's own output if it exits first or is not ready within `timeoutMs`.
 */
export async function spawnUntilReady(opts: {
  name: string;
  command: string;
  args: string[];
  options?: SpawnOptions;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  pollMs?: number;
  describeFailure?: () => string;
}): Promise<Child> {
  const child = spawn(opts.command, opts.args, { ...opts.options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = once(child, "exit");
  const details = () => `${output}${opts.describeFailure?.() ?? ""}`;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited with ${child.exitCode}:\n${details()}`);
    if (await opts.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${opts.name} was not ready within ${opts.timeoutMs} ms:\n${details()}`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
  return {
    pid: child.pid,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
