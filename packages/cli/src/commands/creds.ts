import type { Credential, CredentialWithSecret } from "@vigil/client";
import { Command, InvalidArgumentError } from "commander";
import { json, keyValues, table, type Column } from "../output";
import { jsonOption, type Ctx } from "../program";
import { openSession } from "../session";

const columns: Column<Credential>[] = [
  { header: "ID", value: (c) => c.id },
  { header: "CLIENT ID", value: (c) => c.client_id },
  { header: "STATUS", value: (c) => c.status },
  { header: "CREATED", value: (c) => c.created_at },
  { header: "ROTATED", value: (c) => c.rotated_at },
  { header: "LAST USED", value: (c) => c.last_used_at },
];

const seconds = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("a whole number of seconds");
  return Number(value);
};

export function registerCreds(program: Command, { io, run }: Ctx): void {
  const creds = program.command("creds").description("an agent's client credentials (secrets are shown once)");

  /** The secret goes to stdout once, with the warning on stderr so `> file` keeps only the result. */
  const printSecret = (c: CredentialWithSecret, asJson?: boolean) => {
    if (asJson) return io.out(json(c));
    const { client_secret, ...rest } = c;
    io.out(keyValues({ client_id: rest.client_id, client_secret: client_secret ?? "(none: this credential has no secret)", credential_id: rest.id, agent_id: rest.agent_id, ...(rest.previous_secret_expires_at ? { previous_secret_valid_until: rest.previous_secret_expires_at } : {}) }));
    if (client_secret) io.err("The secret is shown only this once: store it now (Vigil keeps only its hash).\n");
  };

  creds
    .command("list")
    .description("an agent's credentials (never secrets)")
    .argument("<agent-id>", "agent ID")
    .addOption(jsonOption())
    .action(
      run(async (agentId: string, opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const { credentials } = await client.credentials.list(agentId);
        io.out(opts.json ? json(credentials) : credentials.length === 0 ? "no credentials\n" : table(credentials, columns));
      }),
    );

  creds
    .command("generate")
    .description("a new client ID and secret for an agent")
    .argument("<agent-id>", "agent ID")
    .option("--no-secret", "a credential without a secret (an agent with registered keys or a workload identity)")
    .addOption(jsonOption())
    .action(
      run(async (agentId: string, opts: { secret: boolean; json?: boolean }) => {
        const { client } = await openSession(io);
        printSecret(await client.credentials.generate(agentId, opts.secret ? {} : { secret: false }), opts.json);
      }),
    );

  creds
    .command("rotate")
    .description("a new secret for the same client ID; the old one keeps working for the grace period")
    .argument("<agent-id>", "agent ID")
    .argument("<credential-id>", "credential ID (see `vigil creds list`)")
    .option("--grace <seconds>", "how long the old secret keeps working (default: the server's)", seconds)
    .addOption(jsonOption())
    .action(
      run(async (agentId: string, credentialId: string, opts: { grace?: number; json?: boolean }) => {
        const { client } = await openSession(io);
        printSecret(await client.credentials.rotate(agentId, credentialId, opts.grace === undefined ? {} : { grace_seconds: opts.grace }), opts.json);
      }),
    );

  creds
    .command("revoke")
    .description("revoke a credential: no new tokens, and its live tokens stop working")
    .argument("<agent-id>", "agent ID")
    .argument("<credential-id>", "credential ID")
    .addOption(jsonOption())
    .action(
      run(async (agentId: string, credentialId: string, opts: { json?: boolean }) => {
        const { client } = await openSession(io);
        const c = await client.credentials.revoke(agentId, credentialId);
        io.out(opts.json ? json(c) : `credential ${c.id} (${c.client_id}) revoked at ${c.revoked_at}\n`);
      }),
    );
}
