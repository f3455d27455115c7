import type { TestProject } from "vitest/node";
import { ensureBuild } from "../../scripts/build-if-stale.mjs";
import { createPostgresDatabase } from "../../lib/testing/test-db";
import { idpEnv, startIdp, type IdpInfo } from "../support/idp";
import { spireBundle, spireEnv, type SpireInfo } from "../support/spire";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

export type ServerInfo = { name: string; baseUrl: string };

declare module "vitest" {
  export interface ProvidedContext {
    servers: ServerInfo[];
    idp: IdpInfo;
    spire: SpireInfo;
  }
}

/**
 * The HTTP suite runs against the production build: one instance on the embedded database
 * and, when TEST_DATABASE_URL is set (CI sets it), one on a fresh PostgreSQL database.
 * Both trust a real OpenID Provider (oidc-provider) as the organisation's IdP.
 */
export default async function setup(project: TestProject) {
  ensureBuild();
  const adminUrl = process.env.TEST_DATABASE_URL;
  const ports = { pglite: await freePort(), postgres: await freePort(), idp: await freePort() };
  const bases = [ports.pglite, ports.postgres].map((p) => `http://127.0.0.1:${p}`);
  const idp = await startIdp(ports.idp, bases);
  const spire = spireBundle();
  // Every file calls the API as the one bootstrap admin in quick succession; the default
  // per-subject budget (20/s) is tested on an instance of its own (rate-limit.test.ts).
  const shared = {
    RATE_LIMIT_API_PER_SUBJECT: "500:1000",
    RATE_LIMIT_API_PER_IP: "1000:2000",
    // People in the provider's "finance" group hold the invoice scopes they may delegate.
    DELEGATION_SCOPES_CLAIM: "groups",
    DELEGATION_SCOPE_MAP: "finance=invoices:read invoices:write",
    // Workloads with a SPIFFE ID authenticate with their JWT-SVIDs (no secret).
    ...spireEnv(spire),
  };
  const started: VigilProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [idp.stop];
  try {
    started.push(await startVigil("pglite", { ...productionEnv(ports.pglite, {}), ...idpEnv(idp.info), ...shared }));
    if (adminUrl) {
      const db = await createPostgresDatabase(adminUrl);
      cleanups.push(db.drop);
      started.push(await startVigil("postgres", { ...productionEnv(ports.postgres, { url: db.url }), ...idpEnv(idp.info), ...shared }));
    }
  } catch (error) {
    for (const s of started) await s.stop();
    for (const c of cleanups) await c();
    throw error;
  }
  project.provide("servers", started.map((s) => ({ name: s.name, baseUrl: s.baseUrl })));
  project.provide("idp", idp.info);
  project.provide("spire", spire);
  return async () => {
    for (const s of started) await s.stop();
    for (const c of cleanups) await c();
  };
}
