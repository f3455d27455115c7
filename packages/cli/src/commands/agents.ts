import type { Agent, AgentStatus } from "@vigil/client";
import { Command, InvalidArgumentError, Option } from "commander";
import { CliError, EXIT } from "../exit-codes";
import { json, keyValues, table, type Column } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";

export const agentColumns: Column<Agent>[] = [
  { header: "ID", value: (a) => a.id },
  { header: "NAME", value: (a) => a.name, max: 40 },
  { header: "STATUS", value: (a) => a.status },
  { header: "OWNER", value: (a) => a.owner, max: 30 },
  { header: "ENV", value: (a) => a.deployment_env },
  { header: "SCOPES", value: (a) => a.allowed_scopes, max: 40 },
  { header: "CREATED", value: (a) => a.created_at },
];

export const agentSummary = (a: Agent) => ({
  id: a.id,
  name: a.name,
  email: a.email,
  owner: a.owner,
  status: a.status,
  deployment_env: a.deployment_env,
  allowed_scopes: a.allowed_scopes,
  labels: a.labels,
  description: a.description,
  monthly_token_quota: a.monthly_token_quota,
  created_at: a.created_at,
  updated_at: a.updated_at,
  last_seen_at: a.last_seen_at,
});

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("a whole number of at least 1");
  return Number(value);
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(/[\s,]+/).filter(Boolean)];

export function labelPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError("a label is key=value");
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export function registerAgents(program: Command, { io, run }: Ctx): void {
  const agents = program.command("agents").description("register agents and change their status");
  const print = (agent: Agent, asJson?: boolean) => io.out(asJson ? json(agent) : keyValues(agentSummary(agent)));

  agents
    .command("list")
    .description("list agents, newest first")
    .addOption(new Option("--status <status>", "only agents with this status").choices(["active", "suspended", "decommissioned"]))
    .option("--owner <owner>", "only agents of this owner")
    .option("--search <text>", "name or email contains this")
    .option("--limit <n>", "at most this many", positiveInt, 50)
    .addOption(jsonOption())
    .action(
      run(async (opts: { status?: AgentStatus; owner?: string; search?: string; limit: number; json?: boolean }) => {
        const { client } = await openSession(io);
        const found: Agent[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.agents.list({ status: opts.status, owner: opts.owner, search: opts.search, limit: Math.min(200, opts.limit - found.length), cursor });
          found.push(...page.agents);
          cursor = page.next_cursor ?? undefined;
        } while (cursor && found.length < opts.limit);
        io.out(opts.json ? json(found) : found.length === 0 ? "no agents\n" : table(found, agentColumns));
      }),
    );

  agents
    .command("create")
    .description("register an agent (then `vigil creds generate ID` for its credential)")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--email <email>", "contact address (unique)")
    .requiredOption("--owner <owner>", "team or person responsible")
    .option("--env <env>", "deployment environment", "production")
    .option("--scope <scopes>", "an allowed scope (repeat, or comma/space-separated)", collect)
    .option("--label <key=value>", "a label (repeatable)", labelPair)
    .option("--description <text>", "what the agent does")
    .option("--quota <n>", "monthly token quota", positiveInt)
    .addOption(jsonOption())
    .action(
      run(async (opts: { name: string; email: string; owner: string; env: string; scope?: string[]; label?: Record<string, string>; description?: string; quota?: number; json?: boolean }) => {
        const { client } = await openSession(io);
        const agent = await client.agents.create({
          name: opts.name,
          email: opts.email,
          owner: opts.owner,
          deployment_env: opts.env,
          allowed_scopes: opts.scope ?? [],
          labels: opts.label ?? {},
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          ...(opts.quota !== undefined ? { monthly_token_quota: opts.quota } : {}),
        });
        print(agent, opts.json);
      }),
    );

  agents
    .command("get")
    .description("one agent")
    .argument("<id>", "agent ID")
    .addOption(jsonOption())
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        print(await client.agents.get(id), opts.json);
      }),
    );

  const transition = (name: "suspend" | "reactivate" | "decommission", description: string, confirm = false) => {
    const command = agents.command(name).description(description).argument("<id>", "agent ID").addOption(jsonOption());
    if (confirm) command.option("--yes", "confirm: this cannot be undone");
    command.action(
      run(async (id: string, opts: { json?: boolean; yes?: boolean }) => {
        if (confirm && !opts.yes) throw new CliError(EXIT.USAGE, `${name} is final (every credential is revoked): add --yes to confirm`);
        const { client } = await openSession(io);
        const agent = await client.agents[name](id);
        io.out(opts.json ? json(agent) : `agent ${agent.id} (${agent.name}) is now ${agent.status}\n`);
      }),
    );
  };
  transition("suspend", "suspend an agent: no new tokens, and its live tokens stop working");
  transition("reactivate", "reactivate a suspended agent");
  transition("decommission", "decommission an agent for good (revokes every credential)", true);
}
