import type { AutohealStatus, AutohealSwitches } from "@vigil/client";
import { Command } from "commander";
import { json, keyValues } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";

export function statusText(s: AutohealStatus): string {
  const mode = !s.enabled ? "off" : s.dry_run ? "on, dry run (matches are recorded, nothing is sent)" : "on, live (actions are sent)";
  return keyValues({
    autoheal: mode,
    rules: s.rules,
    last_heartbeat: s.last_heartbeat,
    changed_at: s.updated_at,
    ...(s.updated_by !== undefined ? { changed_by: s.updated_by } : {}),
    active_cooldowns: s.active_cooldowns.length === 0 ? "none" : s.active_cooldowns.map((c) => `${c.rule}/${c.alertname} ${c.remaining_seconds}s`).join(", "),
  });
}

export function registerAutoheal(program: Command, { io, run }: Ctx): void {
  const autoheal = program.command("autoheal").description("autoheal's switches, for every instance at once");

  const set = (switches: AutohealSwitches) =>
    run(async (opts: { json?: boolean }) => {
      const { client } = await openSession(io);
      const status = await client.autoheal.set(switches);
      io.out(opts.json ? json(status) : statusText(status));
    });

  autoheal
    .command("status")
    .description("on/off, dry run, rules, heartbeat, cooldowns")
    .addOption(jsonOption())
    .action(
      run(async (opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const status = await client.autoheal.status();
        io.out(opts.json ? json(status) : statusText(status));
      }),
    );
  autoheal.command("on").description("turn autoheal on (admin)").addOption(jsonOption()).action(set({ enabled: true }));
  autoheal.command("off").description("turn autoheal off (admin)").addOption(jsonOption()).action(set({ enabled: false }));

  const dry = autoheal.command("dry-run").description("record what would be sent instead of sending it");
  dry.command("on").description("dry run on: matches are recorded, nothing is sent (admin)").addOption(jsonOption()).action(set({ dry_run: true }));
  dry.command("off").description("dry run off: actions are sent (admin)").addOption(jsonOption()).action(set({ dry_run: false }));
}
