// npm test: the whole suite. Unit/store tests (PGlite, plus PostgreSQL when
// TEST_DATABASE_URL is set) and HTTP tests against the production build with real peers.
import { spawnSync } from "node:child_process";
import { root } from "./build-if-stale.mjs";

// Real peers the suite drives; missing ones fail loudly here instead of as odd test errors.
const PEERS = [
  { bin: "promtool", pkg: "prometheus", why: "checks /metrics and deploy/prometheus/vigil-alerts.yml with promtool" },
  { bin: process.env.NGINX_BIN ?? "/usr/sbin/nginx", pkg: "nginx", why: "the gateway in front of the validator" },
  { bin: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", pkg: "chromium", why: "the browser tests (Playwright)" },
  { bin: process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager", pkg: "prometheus-alertmanager", why: "sends real webhooks to the autoheal intake" },
  { bin: "redis-server", pkg: "redis-server", why: "the replay cache's Redis store (the tests start their own on a free port)" },
];

const missing = PEERS.filter(({ bin }) => spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0);
if (missing.length > 0) {
  console.error("The test suite needs these Debian packages (bash .ci/run installs them):");
  for (const m of missing) console.error(`  ${m.bin}: apt-get install ${m.pkg}  — ${m.why}`);
  process.exit(1);
}

console.log(
  process.env.TEST_DATABASE_URL
    ? `vigil tests: PGlite and PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`
    : "vigil tests: PGlite only (set TEST_DATABASE_URL=postgres://... to include PostgreSQL)",
);

const run = (args) => spawnSync("npx", args, { cwd: root, stdio: "inherit" }).status === 0;
const vitest = run(["vitest", "run", "--project", "unit", "--project", "http"]);
// The fault suite (npm run test:faults) on its own: it kills instances, cuts the database's
// network and fills a disk, and must not share the machine with timing-sensitive tests.
const faults = run(["vitest", "run", "--project", "faults"]);
const playwright = run(["playwright", "test"]);
const word = (ok) => (ok ? "passed" : "FAILED");
console.log(`vitest: ${word(vitest)}; faults: ${word(faults)}; playwright: ${word(playwright)}`);
process.exit(vitest && faults && playwright ? 0 : 1);
