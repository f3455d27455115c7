import type { Command } from "commander";
import { readStored } from "../config";
import { CliError, EXIT, type ExitCode } from "../exit-codes";
import { json } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";
import { runChecks, type Check } from "./doctor-checks";

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL", skip: "skip" } as const;

export function checkLine(c: Check): string {
  return `${MARK[c.status]}  ${c.name.padEnd(12)} ${c.detail}`;
}

export function registerDoctor(program: Command, { io, run }: Ctx): void {
  program
    .command("doctor")
    .description("check a deployment: reachability, readiness, TLS, issuer match, clock skew, JWKS and the token's signature, /metrics protection")
    .option("--url <url>", "the deployment to check (default: the one logged in to, or VIGIL_URL)")
    .addOption(jsonOption())
    .addHelpText("after", "\nEach check prints ok, warn, FAIL or skip. Exit 1 if any check fails; warnings do not fail.\nToken checks need a login (or VIGIL_CLIENT_ID/VIGIL_CLIENT_SECRET); without one they are skipped.")
    .action(
      run(async (opts: { url?: string; json?: boolean }): Promise<ExitCode> => {
        const stored = await readStored(io.env);
        const url = (opts.url ?? io.env.VIGIL_URL ?? stored?.url)?.replace(/\/+$/, "");
        if (!url) throw new CliError(EXIT.USAGE, "doctor needs --url (or a login, or VIGIL_URL)");
        // A token only when one is at hand for this URL: doctor must run before anyone logs in.
        const token = async (): Promise<string | null> => {
          if (!stored && !(io.env.VIGIL_CLIENT_ID && io.env.VIGIL_CLIENT_SECRET)) return null;
          const session = await openSession({ ...io, env: { ...io.env, VIGIL_URL: url } });
          return session.token();
        };
        const checks = await runChecks(url, token, (c) => {
          if (!opts.json) io.out(`${checkLine(c)}\n`);
        });
        const failed = checks.filter((c) => c.status === "fail").length;
        const warned = checks.filter((c) => c.status === "warn").length;
        if (opts.json) io.out(json({ url, ok: failed === 0, checks }));
        else io.out(`${failed === 0 ? "healthy" : `${failed} check${failed === 1 ? "" : "s"} failed`}${warned ? `, ${warned} warning${warned === 1 ? "" : "s"}` : ""}\n`);
        return failed === 0 ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}
