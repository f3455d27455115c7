// `npm run bench [-- <section> ...]`: builds if needed, then runs each benchmark section.
// A section sets up what it needs and registers how to undo it with ctx.defer; the undo
// steps run in reverse order whatever happens, so no server or database outlives the run.
// Exit status: non-zero when a section could not run (setup failed, a crash), zero when it
// ran, whatever the numbers say: a missed goal is a result, not a failure of the bench.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuild } from "./lib/build.mjs";
import { auditBench } from "./audit.mjs";
import { authcodeBench } from "./authcode.mjs";
import { sseBench } from "./sse.mjs";
import { autohealBench } from "./autoheal.mjs";
import { consoleBench } from "./console.mjs";
import { dpopBench } from "./dpop.mjs";
import { enumerationBench } from "./enumeration.mjs";
import { exchangeBench } from "./exchange.mjs";
import { introspectBench } from "./introspect.mjs";
import { policyBench } from "./policy.mjs";
import { alertsEmbeddedBench } from "./alerts-embedded.mjs";
import { tokenAlgsBench } from "./token-algs.mjs";
import { tokenBench } from "./token.mjs";
import { validatorBench } from "./validator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Later sections (validator, SSE, audit) are added here. */
const SECTIONS = {
  token: tokenBench,
  "token-algs": tokenAlgsBench,
  validator: validatorBench,
  exchange: exchangeBench,
  authcode: authcodeBench,
  dpop: dpopBench,
  introspect: introspectBench,
  audit: auditBench,
  sse: sseBench,
  autoheal: autohealBench,
  "alerts-embedded": alertsEmbeddedBench,
  console: consoleBench,
  enumeration: enumerationBench,
  policy: policyBench,
};

/**
 * @typedef {object} Settings
 * @property {number} seconds per measured run
 * @property {number} rounds per side
 * @property {number} warmupSeconds
 * @property {number} connections
 * @property {number} quietWaitSeconds how long a run may wait for other load on the machine to pass
 */

/**
 * @typedef {object} SectionContext
 * @property {string} root repository root (Vigil must be started from here)
 * @property {string} runId timestamp shared by every file this run writes
 * @property {string} logDir where child process output goes
 * @property {Settings} settings
 * @property {(label: string, undo: () => unknown) => void} defer
 * @property {(msg: string) => void} log
 * @property {(name: string, data: unknown) => Promise<string>} writeResult returns the file path
 */

/**
 * @param {string} name
 * @param {number} fallback
 * @param {{ allowZero?: boolean }} [opts]
 */
function numberFromEnv(name, fallback, { allowZero = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new Error(`${name} must be a ${allowZero ? "non-negative" : "positive"} number, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** @type {{ label: string, undo: () => unknown }[]} */
const undoStack = [];
let cleaning = /** @type {Promise<void> | null} */ (null);

function cleanup() {
  cleaning ??= (async () => {
    while (undoStack.length) {
      const { label, undo } = /** @type {{ label: string, undo: () => unknown }} */ (undoStack.pop());
      try {
        // Bounded: a stuck cleanup step must not stop the remaining ones from running.
        await Promise.race([
          Promise.resolve().then(undo),
          new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 30 s")), 30_000).unref()),
        ]);
      } catch (error) {
        console.error(`bench: cleanup "${label}" failed: ${/** @type {Error} */ (error).message}`);
      }
    }
  })();
  return cleaning;
}

for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, cleaning up...`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main() {
  process.chdir(root);
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in SECTIONS));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(", ")}; known: ${Object.keys(SECTIONS).join(", ")}`);
  const selected = wanted.length ? wanted : Object.keys(SECTIONS);

  /** @type {Settings} */
  const settings = {
    seconds: numberFromEnv("BENCH_SECONDS", 10),
    rounds: Math.round(numberFromEnv("BENCH_ROUNDS", 2)),
    warmupSeconds: numberFromEnv("BENCH_WARMUP_SECONDS", 2),
    connections: Math.round(numberFromEnv("BENCH_CONNECTIONS", 50)),
    quietWaitSeconds: numberFromEnv("BENCH_QUIET_WAIT_SECONDS", 60, { allowZero: true }),
  };

  await ensureBuild(root);

  const runId = new Date().toISOString().replace(/[:.]/g, "-");
  const resultsDir = path.join(root, "bench", "results");
  const logDir = path.join(resultsDir, `logs-${runId}`);
  mkdirSync(resultsDir, { recursive: true });

  for (const name of selected) {
    /** @type {SectionContext} */
    const ctx = {
      root,
      runId,
      logDir,
      settings,
      defer: (label, undo) => undoStack.push({ label, undo }),
      log: (msg) => console.log(`[${name}] ${msg}`),
      async writeResult(resultName, data) {
        const file = path.join(resultsDir, `${resultName}-${runId}.json`);
        writeFileSync(file, `${JSON.stringify({ runId, ...(/** @type {object} */ (data)) }, null, 2)}\n`);
        return path.relative(root, file);
      },
    };
    console.log(`[${name}] settings ${JSON.stringify(settings)}`);
    try {
      await SECTIONS[/** @type {keyof typeof SECTIONS} */ (name)](ctx);
    } finally {
      await cleanup();
      cleaning = null;
    }
  }
}

main().then(
  () => process.exit(0),
  async (error) => {
    console.error(`\nbench: FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    await cleanup();
    process.exit(1);
  },
);
