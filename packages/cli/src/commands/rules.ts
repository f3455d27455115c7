import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { CliError, EXIT, type ExitCode } from "../exit-codes";
import { json } from "../output";
import { jsonOption, type Ctx } from "../program";

export function registerRules(program: Command, { io, run }: Ctx): void {
  const rules = program.command("rules").description("autoheal rules files (AUTOHEAL_RULES)");

  rules
    .command("check")
    .description("validate a rules file offline, exactly as Vigil loads it; every problem at once, with its line")
    .argument("<file>", "the YAML or JSON rules file")
    .option("--alertmanager-url <url>", "the ALERTMANAGER_URL Vigil will run with (env ALERTMANAGER_URL): alertmanager_silence actions need one")
    .addOption(jsonOption())
    .action(
      run(async (file: string, opts: { alertmanagerUrl?: string; json?: boolean }): Promise<ExitCode> => {
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (error) {
          throw new CliError(EXIT.FAILURE, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        // Loaded on demand: the parser and its schemas are the server's own (lib/autoheal), and
        // the other commands should not pay for loading them.
        const { checkRulesText } = await import("../../../../lib/autoheal/rules-check");
        const alertmanagerUrl = (opts.alertmanagerUrl ?? io.env.ALERTMANAGER_URL)?.replace(/\/+$/, "") || null;
        const result = checkRulesText(text, file, { env: { alertmanagerUrl } });
        if (opts.json) io.out(json({ file, ...result }));
        else if (result.ok) io.out(`${file}: ok, ${result.rules} rule${result.rules === 1 ? "" : "s"}\n`);
        else {
          for (const p of result.problems) io.out(`${file}:${p.line ?? "?"}${p.column ? `:${p.column}` : ""}: ${p.message}\n`);
          io.err(`${result.problems.length} problem${result.problems.length === 1 ? "" : "s"} in ${file}\n`);
        }
        return result.ok ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}
