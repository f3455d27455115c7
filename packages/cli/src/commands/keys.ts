import type { SigningKey } from "@vigil/client";
import { Command, InvalidArgumentError, Option } from "commander";
import { json, keyValues, table, type Column } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";

const columns: Column<SigningKey>[] = [
  { header: "KID", value: (k) => k.kid },
  { header: "ALG", value: (k) => k.alg },
  { header: "ACTIVATES AT", value: (k) => k.activates_at },
  { header: "SIGNS", value: (k) => (k.can_sign ? (Date.parse(k.activates_at) <= Date.now() ? "yes" : "after activation") : "no (retiring)") },
];

export function registerKeys(program: Command, { io, run }: Ctx): void {
  const keys = program.command("keys").description("token signing keys");

  keys
    .command("list")
    .description("published signing keys and when each signs")
    .addOption(jsonOption())
    .action(
      run(async (opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const { keys: list } = await client.keys.list();
        io.out(opts.json ? json(list) : table(list, columns));
      }),
    );

  keys
    .command("rotate")
    .description("publish a new signing key now; it signs after the delay (verifiers learn it first)")
    .addOption(new Option("--alg <alg>", "key algorithm (default: the server's)").choices(["RS256", "ES256", "EdDSA"]))
    .option("--delay <seconds>", "seconds until it signs (default: the server's)", (v: string) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError("a whole number of seconds");
      return Number(v);
    })
    .addOption(jsonOption())
    .action(
      run(async (opts: { alg?: "RS256" | "ES256" | "EdDSA"; delay?: number; json?: boolean }) => {
        const { client } = await openSession(io);
        const key = await client.keys.rotate({ ...(opts.alg ? { alg: opts.alg } : {}), ...(opts.delay !== undefined ? { delay_seconds: opts.delay } : {}) });
        io.out(opts.json ? json(key) : keyValues(key));
      }),
    );
}
