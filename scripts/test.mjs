// npm test: the whole suite. Unit/store tests (PGlite, plus PostgreSQL when
// TEST_DATABASE_URL is set) and HTTP tests against the production build with real peers.
import { spawnSync } from "node:child_process";
import { root } from "./build-if-stale.mjs";

// Real peers the suite drives; missing ones fail loudly here instead of as odd test errors.
const PEERS = [
  { bin: "promtool", pkg: "prometheus", why: "checks /metrics with `promtool check metrics`" },
  { bin: process.env.NGINX_BIN ?? "/usr/sbin/nginx", pkg: "nginx", why: "the gateway in front of the validator" },
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

const vitest = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(vitest.status ?? 1);
