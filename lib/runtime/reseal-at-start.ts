import type { MachineCtx } from "@/lib/context";
import { resealSigningKeys } from "@/lib/identity/signing-keys/reseal";
import { serverKeys } from "@/lib/keys/server-secrets";
import { getLogger } from "@/lib/observability/logger";

/**
 * At start, after the keyring is loaded: says which server secret versions this instance
 * holds (ids only), and re-seals under AUTH_SECRET the signing keys a previous secret sealed,
 * so AUTH_SECRET_PREVIOUS stops being needed for them. Keys no configured secret opens were
 * already logged by the keyring; they stay published and never sign.
 */
export async function resealAtStart(ctx: MachineCtx): Promise<void> {
  const log = getLogger();
  const { version, versions } = serverKeys();
  log.info({ secret_version: version, previous_versions: versions.slice(1).map((v) => v.version) }, "server secret versions");
  const report = await resealSigningKeys(ctx);
  if (report.resealed.length > 0) log.info({ resealed: report.resealed, secret_version: version }, "signing keys re-sealed under the current AUTH_SECRET");
}
