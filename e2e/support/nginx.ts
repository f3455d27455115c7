import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnUntilReady } from "./child";
import { ROOT } from "./vigil-process";

export const NGINX = process.env.NGINX_BIN ?? "/usr/sbin/nginx";

/**
 * Runs Debian's nginx in the foreground with the shipped deploy/nginx/vigil-gateway.conf,
 * only its two upstream addresses and listen port rewritten to this test's ports.
 */
export async function startGateway(opts: { vigilPort: number; servicePort: number; listenPort: number }) {
  const prefix = mkdtempSync(path.join(tmpdir(), "vigil-nginx-"));
  for (const dir of ["logs", "run", "tmp"]) mkdirSync(path.join(prefix, dir));
  const shipped = readFileSync(path.join(ROOT, "deploy/nginx/vigil-gateway.conf"), "utf8");
  const gateway = shipped
    .replace("server 127.0.0.1:3000;", `server 127.0.0.1:${opts.vigilPort};`)
    .replace("server 127.0.0.1:8080;", `server 127.0.0.1:${opts.servicePort};`)
    .replace("listen 8000;", `listen 127.0.0.1:${opts.listenPort};`);
  if (gateway === shipped) throw new Error("gateway config did not take the test ports");
  writeFileSync(path.join(prefix, "vigil-gateway.conf"), gateway);
  writeFileSync(
    path.join(prefix, "nginx.conf"),
    `daemon off;
pid run/nginx.pid;
error_log logs/error.log info;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log logs/access.log;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  include vigil-gateway.conf;
}
`,
  );
  const base = `http://127.0.0.1:${opts.listenPort}`;
  const child = await spawnUntilReady({
    name: "nginx",
    command: NGINX,
    args: ["-p", `${prefix}/`, "-c", "nginx.conf"],
    ready: () => fetch(`${base}/`).then(() => true),
    timeoutMs: 10_000,
    pollMs: 25,
    describeFailure: () => readLog(prefix),
  });
  return {
    base,
    prefix,
    log: () => readLog(prefix),
    stop: async () => {
      await child.stop("SIGQUIT");
    },
  };
}

function readLog(prefix: string): string {
  try {
    return readFileSync(path.join(prefix, "logs/error.log"), "utf8");
  } catch {
    return "";
  }
}
