import { connect } from "node:net";
import { spawnUntilReady } from "./child";
import { freePort } from "./vigil-process";

/** A private redis-server (Debian's) on a free port, nothing saved to disk. */
export async function startRedis(): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const port = await freePort();
  const child = await spawnUntilReady({
    name: "redis-server",
    command: "redis-server",
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    ready: () => pong(port),
    timeoutMs: 10_000,
    pollMs: 25,
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.stop() };
}

/** True once the server answers PING (RESP inline command). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      resolve(d.toString().startsWith("+PONG"));
      socket.destroy();
    });
    socket.once("error", () => resolve(false));
  });
}
