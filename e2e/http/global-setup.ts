import type { TestProject } from "vitest/node";
import { ensureBuild } from "../../scripts/build-if-stale.mjs";
import { createPostgresDatabase } from "../../lib/testing/test-db";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

export type ServerInfo = { name: string; baseUrl: string };

declare module "vitest" {
  export interface ProvidedContext {
    servers: ServerInfo[];
  }
}

/**
 * The HTTP suite runs against the production build: one instance on the embedded database
 * and, when TEST_DATABASE_URL is set (CI sets it), one on a fresh PostgreSQL database.
 */
export default async function setup(project: TestProject) {
  ensureBuild();
  const started: VigilProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const pglitePort = await freePort();
  started.push(await startVigil("pglite", productionEnv(pglitePort, {})));
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    const port = await freePort();
    started.push(await startVigil("postgres", productionEnv(port, { url: db.url })));
  }
  project.provide("servers", started.map((s) => ({ name: s.name, baseUrl: s.baseUrl })));
  return async () => {
    for (const s of started) await s.stop();
    for (const c of cleanups) await c();
  };
}
