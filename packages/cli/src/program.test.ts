import { describe, expect, it } from "vitest";
import { build } from "./main";
import type { Io } from "./output";
import { runProgram } from "./program";

async function vigil(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), errIsTty: false, env: { HOME: "/nonexistent-vigil-home" }, stdin: process.stdin };
  const code = await runProgram(argv, io, build, new AbortController().signal);
  return { code, out: out.join(""), err: err.join("") };
}

describe("the command line", () => {
  it("answers --help everywhere with exit 0, naming the exit codes at the top", async () => {
    const top = await vigil("--help");
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/Exit codes:[\s\S]*3 +not logged in/);
    for (const argv of [["agents", "--help"], ["audit", "query", "--help"], ["autoheal", "dry-run", "--help"], ["rules", "check", "--help"]]) {
      const r = await vigil(...argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.out).toMatch(/^Usage: vigil /);
    }
  });

  it("exits 2 on usage errors: unknown command or option, missing or extra argument, bad value", async () => {
    for (const argv of [["agnets"], ["agents", "list", "--bogus"], ["agents", "get"], ["agents", "get", "a", "b"], ["agents", "list", "--limit", "0"], ["audit", "query", "--since", "yesterday"], ["audit", "query", "--json", "--csv"]]) {
      const r = await vigil(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(/error:/);
    }
    expect((await vigil("agnets")).err).toMatch(/Did you mean agents\?/);
  });

  it("exits 3 when not logged in, saying how to log in", async () => {
    const r = await vigil("agents", "list");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^vigil: not logged in: run `vigil login/);
  });

  it("asks for --yes before decommissioning", async () => {
    const r = await vigil("agents", "decommission", "4f0c0000-0000-4000-8000-000000000000");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/add --yes/);
  });
});
