import type { Silence } from "@vigil/client";
import { Command } from "commander";
import { json, table, type Column } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";

/** A matcher as Alertmanager writes it: name="value", name=~"regex", ... */
function matcherText(m: unknown): string {
  if (typeof m !== "object" || m === null) return String(m);
  const { name, value, isRegex, isEqual } = m as { name?: string; value?: string; isRegex?: boolean; isEqual?: boolean };
  const op = `${isEqual === false ? "!" : "="}${isRegex ? "~" : ""}`.replace(/^!$/, "!=");
  return `${name}${op === "=" ? "=" : op}${JSON.stringify(value ?? "")}`;
}

const columns: Column<Silence>[] = [
  { header: "ID", value: (s) => s.id },
  { header: "STATUS", value: (s) => s.status },
  { header: "MATCHERS", value: (s) => (s.matchers ?? []).map(matcherText).join(" "), max: 60 },
  { header: "ENDS", value: (s) => s.ends_at ?? s.endsAt },
  { header: "COMMENT", value: (s) => s.comment, max: 40 },
];

export function registerSilences(program: Command, { io, run }: Ctx): void {
  const silences = program.command("silences").description("Alertmanager silences Vigil created");

  silences
    .command("list")
    .description("Vigil-created silences")
    .addOption(jsonOption())
    .action(
      run(async (opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const { silences: list } = await client.silences.list();
        io.out(opts.json ? json(list) : list.length === 0 ? "no silences\n" : table(list, columns));
      }),
    );

  silences
    .command("expire")
    .description("expire a silence now")
    .argument("<id>", "silence ID")
    .addOption(jsonOption())
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const result = await client.silences.expire(id);
        io.out(opts.json ? json(result ?? { id, expired: true }) : `silence ${id} expired\n`);
      }),
    );
}
