// npm run secrets:reseal – after changing AUTH_SECRET (README "Rotating AUTH_SECRET"): seals
// every signing key again under the current AUTH_SECRET, and reports which client-secret
// hashes still need which AUTH_SECRET_PREVIOUS secret. Run with the server's environment
// (AUTH_SECRET, AUTH_SECRET_PREVIOUS, DATABASE_URL). Prints JSON; never a secret.
//
// Exit 0: nothing depends on AUTH_SECRET_PREVIOUS any more (the previous secrets may go);
// 3: some client-secret hashes still do (each moves on its client's next token request);
// 1: a signing key or a hash no configured secret opens, or the command failed.
import { noRequest } from "@/lib/context";
import { closeDb, getDbHandle } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { hashVersions } from "@/lib/identity/credentials/secret-versions";
import { resealSigningKeys } from "@/lib/identity/signing-keys/reseal";
import { serverKeys } from "@/lib/keys/server-secrets";

const handle = await getDbHandle();
let code = 1;
try {
  await applyMigrations(handle);
  const { version, versions } = serverKeys();
  const keys = await resealSigningKeys({ ...noRequest, db: handle.db, by: "system:secrets-reseal" });
  const hashes = await hashVersions(handle.db);
  const previous = versions.slice(1).map((v, i) => ({
    variable: `AUTH_SECRET_PREVIOUS secret ${i + 1}`,
    version: v.version,
    // Untagged (legacy) hashes may be any configured secret's: they keep every one needed.
    needed_by: (hashes.by_version[v.version] ?? 0) + (hashes.by_version.legacy ?? 0),
  }));
  const stillNeeded = hashes.dependents.length > 0;
  const broken = keys.unopenable.length > 0 || hashes.retired.length > 0;
  const summary = {
    secret_version: version,
    previous,
    signing_keys: keys,
    client_secret_hashes: hashes,
    previous_secrets_needed: stillNeeded,
    advice: broken
      ? "Some values name a secret no longer configured: put it back in AUTH_SECRET_PREVIOUS, or rotate those credentials and signing keys."
      : stillNeeded
        ? "Keep AUTH_SECRET_PREVIOUS: the dependents above move to the current secret on their next token request. Run this again later."
        : "Nothing depends on AUTH_SECRET_PREVIOUS: remove it and restart.",
  };
  console.log(JSON.stringify(summary, null, 2));
  code = broken ? 1 : stillNeeded ? 3 : 0;
} finally {
  await closeDb();
}
process.exit(code);
