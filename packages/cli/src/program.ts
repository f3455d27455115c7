import { Command, CommanderError, Option } from "commander";
import { errorLine } from "./error-line";
import { EXIT, exitCodeFor, type ExitCode } from "./exit-codes";
import type { Io } from "./output";

export type Ctx = {
  io: Io;
  /** Wraps a command's action: what it returns (or throws) becomes the exit code. */
  run: <A extends unknown[]>(action: (...args: A) => Promise<ExitCode | void>) => (...args: A) => Promise<void>;
  signal: AbortSignal;
};

/** --json, the same on every command that prints a result. */
export const jsonOption = () => new Option("--json", "print JSON for scripts instead of a table");

export const EXIT_CODES_HELP = `
Exit codes:
  0    ok
  1    the operation failed (refused by Vigil, or a check found a problem)
  2    usage error (unknown command or option, missing argument)
  3    not logged in, token expired, or credentials refused (401)
  4    not found (404)
  5    forbidden: the token lacks the scope (403)
  6    Vigil unreachable, or it answered 5xx
  130  interrupted (Ctrl-C)`;

/** Parses and runs one command line; never exits the process itself. */
export async function runProgram(argv: string[], io: Io, build: (program: Command, ctx: Ctx) => void, signal: AbortSignal): Promise<number> {
  let code: number = EXIT.OK;
  const ctx: Ctx = {
    io,
    signal,
    run:
      (action) =>
      async (...args) => {
        code = (await action(...args)) ?? EXIT.OK;
      },
  };
  const program = new Command("vigil")
    .description("The operator's command line for Vigil: agents, credentials, keys, the audit log, autoheal.")
    .version("0.1.0")
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(text) })
    .exitOverride()
    .showSuggestionAfterError()
    .addHelpText("after", EXIT_CODES_HELP);
  build(program, ctx);
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0; everything else is a usage error.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (signal.aborted) return EXIT.INTERRUPTED;
    io.err(`vigil: ${errorLine(error)}\n`);
    if (io.env.VIGIL_DEBUG && error instanceof Error) io.err(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
