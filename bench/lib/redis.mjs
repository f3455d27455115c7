// A private redis-server (Debian's) for a section, nothing saved to disk.
import { connect } from "node:net";
import { freePort, startService } from "./processes.mjs";

/** @param {{ logDir: string }} opts */
export async function startRedis({ logDir }) {
  const port = await freePort();
  const service = startService({
    name: "redis-server",
    command: "redis-server",
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    cwd: logDir,
    env: { PATH: process.env.PATH ?? "" },
    logDir,
  });
  const deadline = Date.now() + 10_000;
  while (!(await pong(port))) {
    if (service.exited()) throw new Error(`redis-server exited (${service.exitInfo()}):\n${service.tail()}`);
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`redis-server not ready within 10 s:\n${service.tail()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, service };
}

/** @param {number} port @returns {Promise<boolean>} true once the server answers PING */
function pong(port) {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      resolve(d.toString().startsWith("+PONG"));
      socket.destroy();
    });
    socket.once("error", () => resolve(false));
  });
}
