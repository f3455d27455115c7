import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTarget } from "@/lib/testing/autoheal-target";
import { ensureBuild } from "../../scripts/build-if-stale.mjs";
import { startAlertmanager } from "../support/alertmanager";
import { echoService } from "../support/echo-service";
import { BROWSER_ALERTNAME, GITOPS_SET, INVOICES_AUDIENCE } from "./fixtures";
import { idpEnv, startIdp } from "../support/idp";
import { startGateway } from "../support/nginx";
import { freePort, productionEnv, startVigil } from "../support/vigil-process";

/** Alertmanager sends it with every webhook (http_config), as a production one would. */
const ALERT_TOKEN = "e2e-browser-alertmanager-token-0123456789";

/**
 * Peers for the browser tests: oidc-provider as the organisation's IdP, Debian's
 * Alertmanager sending webhooks to Vigil, a node:http remediation target, Vigil in
 * production mode trusting the IdP with one autoheal rule (dry run, the default) and the
 * "finance" group mapped to invoices scopes people may delegate, Debian's nginx with the
 * shipped gateway config in front of a node:http invoices service that echoes the headers
 * it receives, and a trial Vigil (no IdP, development sign-in). Tests find them through
 * environment variables, which Playwright passes on to its workers.
 */
export default async function globalSetup() {
  ensureBuild();
  const vigilPort = await freePort();
  const vigilBase = `http://localhost:${vigilPort}`;
  const idp = await startIdp(await freePort(), [vigilBase]);
  const target = await startTarget((_req, _n, res) => res.writeHead(200).end("healed"));
  const am = await startAlertmanager({ receiverUrl: `http://127.0.0.1:${vigilPort}/api/alert`, bearerToken: ALERT_TOKEN });
  const rules = path.join(mkdtempSync(path.join(tmpdir(), "vigil-browser-rules-")), "rules.yml");
  writeFileSync(
    rules,
    `rules:
  - name: restart-console-e2e
    match: { alertname: ${BROWSER_ALERTNAME}, labels: ['severity="critical"'] }
    action:
      kind: webhook
      url: ${target.url}/restart/{{ labels.instance }}
      retries: 0
    cooldown: 10m
    blast_radius: { max_actions: 5, window: 1h }
`,
  );
  // A policy set kept in Git (POLICY_DIR): the console shows it read-only. Shadow mode, for an
  // audience no other test uses, so it decides nothing the other specs depend on.
  const policyDir = mkdtempSync(path.join(tmpdir(), "vigil-browser-policies-"));
  mkdirSync(path.join(policyDir, "data"));
  writeFileSync(path.join(policyDir, "data", "scopes.json"), JSON.stringify({ sets: { [GITOPS_SET]: { audience: "https://gitops-e2e.example.com/", mode: "shadow", routes: { "GET /reports/{id}": ["reports:read"] } } } }));
  writeFileSync(path.join(policyDir, `${GITOPS_SET}.cedar`), '@id("gitops-tokens")\npermit (principal is Vigil::Agent, action == Vigil::Action::"IssueToken", resource);\n');
  const env = productionEnv(vigilPort, {}, "localhost");
  const vigil = await startVigil("browser", {
    ...env,
    ...idpEnv(idp.info),
    AUTOHEAL_RULES: rules,
    POLICY_DIR: policyDir,
    AUTOHEAL_ALERT_TOKEN: ALERT_TOKEN,
    ALERTMANAGER_URL: am.url,
    AUTOHEAL_HEARTBEAT_SECONDS: "5",
    // People in the provider's "finance" group hold the invoices scopes, and may delegate them.
    DELEGATION_SCOPES_CLAIM: "groups",
    DELEGATION_SCOPE_MAP: "finance=invoices:read invoices:write",
    // The gateway also accepts tokens minted for the invoices service behind it.
    VALIDATOR_AUDIENCES: [env.VALIDATOR_AUDIENCES, INVOICES_AUDIENCE].filter(Boolean).join(","),
  });
  const invoices = await echoService();
  const gateway = await startGateway({ vigilPort, servicePort: invoices.port, listenPort: await freePort() });
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
  process.env.E2E_ALERTMANAGER = am.url;
  process.env.E2E_GATEWAY = gateway.base;
  process.env.E2E_IDP_INFO = idp.file;
  return async () => {
    await gateway.stop();
    invoices.server.close();
    await vigil.stop();
    await trial.stop();
    await am.stop();
    await target.close();
    await idp.stop();
  };
}
