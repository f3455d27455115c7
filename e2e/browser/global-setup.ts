import { ensureBuild } from "../../scripts/build-if-stale.mjs";
import { idpEnv, startIdp } from "../support/idp";
import { freePort, productionEnv, startVigil } from "../support/vigil-process";

/**
 * Peers for the browser tests: oidc-provider as the organisation's IdP, Vigil in production
 * mode trusting it, and a trial Vigil (no IdP, development sign-in). Tests find them
 * through environment variables, which Playwright passes on to its workers.
 */
export default async function globalSetup() {
  ensureBuild();
  const vigilPort = await freePort();
  const vigilBase = `http://localhost:${vigilPort}`;
  const idp = await startIdp(await freePort(), [vigilBase]);
  const vigil = await startVigil("browser", { ...productionEnv(vigilPort, {}, "localhost"), ...idpEnv(idp.info) });
  const trialPort = await freePort();
  const production = productionEnv(trialPort, {}, "localhost");
  // What `npm start` gets on a fresh clone: no NODE_ENV, no identity provider.
  const trial = await startVigil("trial", {
    NODE_ENV: "development",
    PORT: production.PORT ?? "",
    HOSTNAME: "127.0.0.1",
    AUTH_URL: production.AUTH_URL ?? "",
    VIGIL_DATA_DIR: production.VIGIL_DATA_DIR ?? "",
    LOG_LEVEL: "info",
  });
  process.env.E2E_VIGIL = vigilBase;
  process.env.E2E_TRIAL = trial.baseUrl;
  process.env.E2E_IDP = idp.info.issuer;
  return async () => {
    await vigil.stop();
    await trial.stop();
    await idp.stop();
  };
}
