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
  const shipped = readFileSync(path.join(ROOT, "deploy/nginx/vigil-gateway.conf"), "utf8");
  const gateway = shipped
    .replace("server 127.0.0.1:3000;", `server 127.0.0.1:${opts.vigilPort};`)
    .replace("server 127.0.0.1:8080;", `server 127.0.0.1:${opts.servicePort};`)
    .replace("listen 8000;", `listen 127.0.0.1:${opts.listenPort};`);
  if (gateway === shipped) throw new Error("gateway config did not take the test ports");
  return runNginx(gateway, `http://127.0.0.1:${opts.listenPort}`);
}

/**
 * Two Vigil instances behind one nginx, as replicas behind a load balancer: one public URL
 * (their shared issuer), and the request's X-Vigil-Instance header ("a" or "b") picks the
 * replica, so a test can send the very same request to each in turn.
 */
export function startBalancer(opts: { ports: [number, number]; listenPort: number }) {
  const conf = `map $http_x_vigil_instance $vigil_replica {
  b       127.0.0.1:${opts.ports[1]};
  default 127.0.0.1:${opts.ports[0]};
}
server {
  listen 127.0.0.1:${opts.listenPort};
  location / {
    proxy_pass http://$vigil_replica;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_buffering off;
  }
}
`;
  return runNginx(conf, `http://127.0.0.1:${opts.listenPort}`);
}

/**
 * Replicas behind plain round robin, as a load balancer spreads them: no stickiness, a new
 * choice per request. The access log names the replica of each request (`upstream=`).
 */
export function startRoundRobin(opts: { ports: number[]; listenPort: number }) {
  const conf = `log_format replicas '$request upstream=$upstream_addr status=$status';
upstream vigil_replicas {
${opts.ports.map((p) => `  server 127.0.0.1:${p};`).join("\n")}
}
server {
  listen 127.0.0.1:${opts.listenPort};
  access_log logs/replicas.log replicas;
  location / {
    proxy_pass http://vigil_replicas;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_buffering off;
  }
}
`;
  return runNginx(conf, `http://127.0.0.1:${opts.listenPort}`);
}

/** Debian's nginx in the foreground, in a fresh prefix, serving `conf` inside `http { }`. */
async function runNginx(conf: string, base: string) {
  const prefix = mkdtempSync(path.join(tmpdir(), "vigil-nginx-"));
  for (const dir of ["logs", "run", "tmp"]) mkdirSync(path.join(prefix, dir));
  writeFileSync(path.join(prefix, "vigil-gateway.conf"), conf);
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
