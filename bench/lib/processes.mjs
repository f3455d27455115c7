// Child processes for the bench: free ports, spawning with logs on disk, readiness polling
// and a stop that always escalates, so a wedged server can never keep `npm run bench` alive.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** @returns {Promise<number>} a TCP port the kernel just handed out on 127.0.0.1 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} Service
 * @property {string} name
 * @property {import("node:child_process").ChildProcess} child
 * @property {string} logFile
 * @property {() => string} tail last lines of output, for error messages
 * @property {() => boolean} exited
 * @property {() => string | null} exitInfo how it ended, once it has
 * @property {() => Promise<void>} stop
 */

/**
 * Spawns a long-running process. Output goes to a log file rather than the terminal: the
 * bench table must stay readable, but a crash must still be diagnosable afterwards.
 * @param {{ name: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, logDir: string }} opts
 * @returns {Service}
 */
export function startService({ name, command, args, cwd, env, logDir }) {
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  /** @type {string[]} */
  const recent = [];
  const keep = (/** @type {Buffer} */ chunk) => {
    log.write(chunk);
    recent.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (recent.length > 40) recent.splice(0, recent.length - 40);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exitInfo = /** @type {string | null} */ (null);
  const exitedPromise = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      if (!log.writableEnded) log.write(`[bench] ${name} (pid ${child.pid}) exited: ${exitInfo}\n`);
      resolve(undefined);
    });
  });
  child.once("error", (error) => keep(Buffer.from(`spawn error: ${error.message}\n`)));

  let stopping = /** @type {Promise<void> | null} */ (null);
  return {
    name,
    child,
    logFile,
    tail: () => recent.join("\n"),
    exited: () => exitInfo !== null,
    exitInfo: () => exitInfo,
    stop() {
      stopping ??= (async () => {
        if (exitInfo === null) {
          child.kill("SIGTERM");
          const killer = setTimeout(() => {
            if (exitInfo === null) child.kill("SIGKILL");
          }, 5000);
          await exitedPromise;
          clearTimeout(killer);
        }
        await new Promise((resolve) => log.end(resolve));
      })();
      return stopping;
    },
  };
}

/**
 * Polls until `url` answers with `status`. Fails fast when the process dies, which is the
 * usual outcome of a bad configuration, instead of waiting out the whole timeout.
 * @param {string} url
 * @param {{ service?: Service, status?: number, timeoutMs?: number }} [opts]
 */
export async function waitForHttp(url, { service, status = 200, timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (service?.exited()) {
      throw new Error(`${service.name} exited (${service.exitInfo()}) before ${url} was ready:\n${service.tail()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === status) return;
      last = `HTTP ${res.status} ${body.slice(0, 200)}`;
    } catch (error) {
      last = /** @type {Error} */ (error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${url} (${last})${service ? `\n${service.tail()}` : ""}`);
}
