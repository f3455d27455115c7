// One measured run of one side against a Vigil the section started (or against a peer server
// the section compares it with), in the shape every side-by-side section reports
// (side-by-side.mjs): load, CPU of the server, its event-loop thread and Vigil's database
// backends, and Vigil's own timers from /metrics.
import { cpuPercent, cpuSnapshot, mainThread, pidsByName, processTree, schedPercent, schedSnapshot, waitForQuietMachine } from "./cpu.mjs";
import { fixed } from "./format.mjs";
import { runLoad } from "./load.mjs";
import { backendPids } from "./pg.mjs";
import { eventLoopLagMs, histogramDelta, scrape } from "./prom.mjs";

/**
 * @typedef {{ url: string, method: string, body?: string, headers: Record<string, string>, perConnection?: () => import("./load.mjs").Connection, expectBody?: (text: string) => boolean }} LoadRequest
 * @param {{ log: (line: string) => void }} ctx
 * @param {import("./vigil.mjs").Vigil} vigil
 * @param {import("./pg.mjs").BenchDatabase} db
 * @param {{ connections: number, quietWaitSeconds: number }} settings
 * @param {{ name: string, service: import("./processes.mjs").Service }} [peer] the server Vigil is
 *   compared with: runs of the side called `name` are its (CPU group "peer", no /metrics)
 */
export function vigilRuns(ctx, vigil, db, { connections, quietWaitSeconds }, peer) {
  /** @type {number[]} */
  let backends = [];
  const pid = vigil.service.child.pid ?? -1;
  const peerPid = peer?.service.child.pid ?? -1;
  const groups = {
    vigil: () => processTree(pid),
    "vigil main thread": () => mainThread(pid),
    ...(peer ? { peer: () => processTree(peerPid), "peer main thread": () => mainThread(peerPid) } : {}),
    "postgres (bench db backends)": () => backends,
    "postgres (all)": () => pidsByName("postgres"),
  };
  const services = [vigil.service, ...(peer ? [peer.service] : [])];

  /** @param {string} side @param {string} phase @param {number} secs @param {LoadRequest} request */
  const measure = async (side, phase, secs, request) => {
    backends = [...new Set([...backends, ...(await backendPids(db.sql, db.name).catch(() => []))])];
    // Start in a lull if one comes within BENCH_QUIET_WAIT_SECONDS; record how busy it was otherwise.
    const quiet = await waitForQuietMachine({ thresholdPercent: 30, maxWaitMs: quietWaitSeconds * 1000 });
    if (quiet.busyPercent > 30) ctx.log(`machine still ${quiet.busyPercent} % busy after ${quiet.waitedMs / 1000} s, running anyway`);
    const server = peer?.name === side ? "peer" : "vigil";
    const serverPid = server === "peer" ? peerPid : pid;
    const metricsBefore = server === "vigil" ? await scrape(vigil.baseUrl) : null;
    const schedBefore = schedSnapshot(mainThread(serverPid)[0]);
    const before = cpuSnapshot(groups);
    const result = await runLoad({ label: `${side} ${phase}`, ...request, seconds: secs, connections });
    backends = [...new Set([...backends, ...(await backendPids(db.sql, db.name).catch(() => []))])];
    const cpu = cpuPercent(before, cpuSnapshot(groups));
    const mainThreadSched = schedPercent(schedBefore, schedSnapshot(mainThread(serverPid)[0]));
    for (const svc of services) {
      if (svc.exited()) throw new Error(`${svc.name} exited during ${side} ${phase} (${svc.exitInfo()}); log ${svc.logFile}:\n${svc.tail()}`);
    }
    const after = metricsBefore ? await scrape(vigil.baseUrl) : null;
    const vigilInternals =
      metricsBefore && after
        ? {
            db: histogramDelta(metricsBefore, after, "vigil_db_query_duration_seconds"),
            http: histogramDelta(metricsBefore, after, "vigil_http_request_duration_seconds"),
            eventLoopLagMs: eventLoopLagMs(after),
          }
        : null;
    const flag = result.clean ? "" : `  <-- FLAGGED: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
    ctx.log(`${result.label}: ${fixed(result.rps)}/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${flag}`);
    return { ...result, side, server, phase, machineBeforeRun: quiet, cpuPercentOfOneCore: cpu, mainThreadSched, vigilInternals };
  };

  /**
   * A warm-up per side, then rounds interleaved so that drift on a shared machine (thermal,
   * neighbours) hits every side alike.
   * @param {string[]} sides @param {(side: string, secs: number) => LoadRequest | Promise<LoadRequest>} requestFor
   * @param {{ seconds: number, warmupSeconds: number, rounds: number }} plan
   */
  const interleaved = async (sides, requestFor, { seconds, warmupSeconds, rounds }) => {
    const warmups = [];
    const runs = [];
    for (const side of sides) warmups.push(await measure(side, "warm-up", warmupSeconds, await requestFor(side, warmupSeconds)));
    for (let r = 1; r <= rounds; r++) for (const side of sides) runs.push(await measure(side, `round ${r}`, seconds, await requestFor(side, seconds)));
    return { warmups, runs };
  };

  return { measure, interleaved };
}
