import type { Silence } from "@vigil/client";
import { Command, Option } from "commander";
import { json, keyValues, table, type Column } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";

/** A matcher as Alertmanager writes it: name="value", name!="value", name=~"re", name!~"re". */
export function matcherText(m: Silence["matchers"][number]): string {
  return `${m.name}${m.is_equal ? "=" : "!"}${m.is_regex ? "~" : m.is_equal ? "" : "="}${JSON.stringify(m.value)}`;
}

const columns: Column<Silence>[] = [
  { header: "ID", value: (s) => s.id },
  { header: "STATE", value: (s) => s.state },
  { header: "MATCHERS", value: (s) => s.matchers.map(matcherText).join(" "), max: 60 },
  { header: "ENDS", value: (s) => s.ends_at },
  { header: "BY", value: (s) => (s.origin.via === "rule" ? `rule ${s.origin.rule ?? "?"}` : s.origin.actor), max: 40 },
  { header: "COMMENT", value: (s) => s.comment, max: 40 },
];

export function registerSilences(program: Command, { io, run }: Ctx): void {
  const silences = program.command("silences").description("the Alertmanager silences Vigil created (acks and rule actions)");

  silences
    .command("list")
    .description("Vigil-created silences, active and pending first")
    .addOption(new Option("--state <state>", "only silences in this state").choices(["active", "pending", "expired"]))
    .addOption(jsonOption())
    .action(
      run(async (opts: { state?: Silence["state"]; json?: boolean }) => {
        const { client } = await openSession(io);
        const { silences: list } = await client.silences.list(opts.state ? { state: opts.state } : {});
        io.out(opts.json ? json(list) : list.length === 0 ? "no silences\n" : table(list, columns));
      }),
    );

  silences
    .command("expire")
    .description("end a silence Vigil created, now (someone else's is refused: expire it in Alertmanager)")
    .argument("<id>", "silence ID")
    .addOption(jsonOption())
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const silence = await client.silences.expire(id);
        io.out(opts.json ? json(silence) : `silence ${silence.id} expired\n${keyValues({ matchers: silence.matchers.map(matcherText).join(" "), ended_at: silence.ends_at })}`);
      }),
    );
}
