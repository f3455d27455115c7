import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const SPIFFE_DOMAIN = "e2e.example.org";

/** What the HTTP tests need to act as a SPIRE-issued workload: the JWT authority's private key. */
export type SpireInfo = { domain: string; kid: string; privateJwk: JsonWebKey; bundleFile: string };

/**
 * A SPIFFE trust bundle written the way SPIRE writes it (`spire-server bundle show -format
 * spiffe`: JWT authorities with use jwt-svid, spiffe_sequence, spiffe_refresh_hint), for the
 * test instances' WORKLOAD_ISSUERS; the tests sign JWT-SVIDs with the private half.
 */
export function spireBundle(): SpireInfo {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "e2e-jwt-authority-1";
  const bundleFile = path.join(mkdtempSync(path.join(tmpdir(), "vigil-spire-")), "bundle.spiffe.json");
  writeFileSync(bundleFile, JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "jwt-svid" }], spiffe_refresh_hint: 300, spiffe_sequence: 1 }));
  return { domain: SPIFFE_DOMAIN, kid, privateJwk: privateKey.export({ format: "jwk" }), bundleFile };
}

/** WORKLOAD_ISSUERS for an instance trusting that bundle. */
export const spireEnv = (spire: SpireInfo) => ({ WORKLOAD_ISSUERS: JSON.stringify([{ name: "spire", spiffe_trust_domain: spire.domain, jwks_file: spire.bundleFile }]) });
