import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./vigil-process";

/** The real `vigil` bin (what `npx vigil` runs), started with node as a child process. */
export const VIGIL_BIN = path.join(ROOT, "packages", "cli", "bin", "vigil.mjs");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * A user of the CLI: their own HOME and XDG_CONFIG_HOME (a fresh temporary directory), so
 * a login here is seen by this user's later commands only, and nothing from the runner's
 * environment (a VIGIL_URL, a real ~/.config/vigil) leaks in.
 */
export function cliUser(extraEnv: Record<string, string> = {}) {
  const home = mkdtempSync(path.join(tmpdir(), "vigil-cli-home-"));
  const configHome = path.join(home, "config");
  const env: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: configHome, ...extraEnv };

  const start = (args: string[], more: Record<string, string> = {}): ChildProcess =>
    spawn(process.execPath, [VIGIL_BIN, ...args], { cwd: home, env: { ...env, ...more }, stdio: ["pipe", "pipe", "pipe"] });

  return {
    home,
    configDir: path.join(configHome, "vigil"),
    /** Runs one command to its end; `input` is written to its stdin. */
    run(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
      const child = start(args, opts.env);
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdin?.end(opts.input ?? "");
      return new Promise((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    },
    /** A long-running command (audit tail), read as its output arrives. */
    spawn(args: string[]) {
      const child = start(args);
      child.stdin?.end();
      const lines: { out: string[]; err: string[] } = { out: [], err: [] };
      const waiters = new Set<() => void>();
      const feed = (into: string[]) => {
        let partial = "";
        return (d: Buffer) => {
          partial += d.toString();
          const parts = partial.split("\n");
          partial = parts.pop() ?? "";
          into.push(...parts);
          for (const w of waiters) w();
        };
      };
      child.stdout?.on("data", feed(lines.out));
      child.stderr?.on("data", feed(lines.err));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => {
        for (const w of waiters) w();
        resolve(code);
      }));
      return {
        lines,
        exited,
        /** Resolves with the first line on `stream` that matches, as soon as it is written; rejects if the process ends first. */
        waitFor(stream: "out" | "err", test: (line: string) => boolean, timeoutMs = 20_000): Promise<string> {
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => done(new Error(`no matching line on std${stream} within ${timeoutMs} ms; stdout: ${lines.out.join("\n")}\nstderr: ${lines.err.join("\n")}`)), timeoutMs);
            const check = () => {
              const found = lines[stream].find(test);
              if (found !== undefined) return done(null, found);
              if (child.exitCode !== null) done(new Error(`exited ${child.exitCode} first; stderr: ${lines.err.join("\n")}`));
            };
            const done = (error: Error | null, line?: string) => {
              clearTimeout(timer);
              waiters.delete(check);
              if (error) reject(error);
              else resolve(line ?? "");
            };
            waiters.add(check);
            check();
          });
        },
        stop(signal: NodeJS.Signals = "SIGINT") {
          child.kill(signal);
          return exited;
        },
      };
    },
  };
}
