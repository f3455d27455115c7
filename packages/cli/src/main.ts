import type { Command } from "commander";
import { registerAgents } from "./commands/agents";
import { registerAudit } from "./commands/audit";
import { registerAutoheal } from "./commands/autoheal";
import { registerCreds } from "./commands/creds";
import { registerDoctor } from "./commands/doctor";
import { registerKeys } from "./commands/keys";
import { registerLogin } from "./commands/login";
import { registerRules } from "./commands/rules";
import { registerSilences } from "./commands/silences";
import type { Io } from "./output";
import { runProgram, type Ctx } from "./program";

export function build(program: Command, ctx: Ctx): void {
  registerLogin(program, ctx);
  registerAgents(program, ctx);
  registerCreds(program, ctx);
  registerKeys(program, ctx);
  registerAudit(program, ctx);
  registerAutoheal(program, ctx);
  registerSilences(program, ctx);
  registerRules(program, ctx);
  registerDoctor(program, ctx);
}

/** The process's entry (bin/vigil.mjs): real stdout/stderr/env, Ctrl-C aborts the command. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const io: Io = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    env: process.env,
    stdin: process.stdin,
  };
  // Output piped into `head` closes early: that ends the command, it is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
  });
  return runProgram(argv, io, build, controller.signal);
}
