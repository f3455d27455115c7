import { once } from "node:events";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getConfig, loadConfig, setConfig, type ClientMetadataSettings } from "@/lib/config";
import { unitTestEnv } from "@/lib/testing/env";
import { selfSignedCertificate } from "@/lib/testing/self-signed-cert";
import {
  ClientMetadataError,
  ClientMetadataFetcher,
  fetchClientMetadata,
  type ClientMetadataReason,
  type HostResolver,
} from "./metadata-document";

/**
 * Real HTTPS on 127.0.0.1 with a certificate made for the run (for 127.0.0.1 and the name
 * metadata.test). The fetchers below trust it through `trustedCertificates`, the one
 * test-only option; everything else (https only, the allowlist, the address checks, the
 * limits) runs as in production, where 127.0.0.1 is reachable only because the tests list
 * that exact IP on CLIENT_METADATA_HOSTS.
 */
const certificate = selfSignedCertificate(["metadata.test", "127.0.0.1"]);

type Route = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Route>();
const seen: { path: string; host: string | undefined }[] = [];
let server: Server;
let base = "";
let port = 0;

const requestsFor = (path: string) => seen.filter((r) => r.path === path).length;

/** The URL the request was made for: what a correct document names as its client_id. */
const selfUrl = (req: IncomingMessage) => `https://${req.headers.host ?? ""}${req.url ?? ""}`;

function document(req: IncomingMessage, extra: Record<string, unknown> = {}) {
  return { client_id: selfUrl(req), client_name: "Test agent", redirect_uris: ["https://app.example.com/callback"], ...extra };
}

function send(res: ServerResponse, body: unknown, headers: Record<string, string> = {}, status = 200) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

const serveDocument =
  (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Route =>
  (req, res) =>
    send(res, document(req, extra), headers);

let clock = 0;
function fetcher(settings: Partial<ClientMetadataSettings> = {}, resolve?: HostResolver, trusted = true) {
  return new ClientMetadataFetcher({
    settings: { enabled: true, hosts: ["127.0.0.1"], timeoutMs: 5000, maxBytes: 5120, ...settings },
    resolve,
    now: () => clock,
    trustedCertificates: trusted ? [certificate.cert] : undefined,
  });
}

/** A resolver that knows one name, and counts how often it was asked. */
function resolver(addresses: string[]): HostResolver & { calls: number } {
  const resolve = Object.assign(
    async () => {
      resolve.calls++;
      return addresses.map((address) => ({ address, family: address.includes(":") ? (6 as const) : (4 as const) }));
    },
    { calls: 0 },
  );
  return resolve;
}

/** The ClientMetadataError a fetch failed with; fails the test if it succeeded. */
async function refusal(work: Promise<unknown>): Promise<ClientMetadataError> {
  const outcome = await work.then(
    () => new Error("expected a refusal, the document was accepted"),
    (e: unknown) => e,
  );
  if (outcome instanceof ClientMetadataError) return outcome;
  throw outcome;
}

beforeAll(async () => {
  server = createHttpsServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    const path = new URL(req.url ?? "/", "https://x").pathname;
    seen.push({ path, host: req.headers.host });
    const route = routes.get(path);
    if (route) route(req, res);
    else send(res, { error: "not found" }, {}, 404);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
  base = `https://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
});

beforeEach(() => {
  clock = 1_000_000_000_000;
});

describe("fetching a client ID metadata document", () => {
  it("returns the checked document, keeping what Vigil understands and dropping the rest", async () => {
    routes.set(
      "/happy.json",
      serveDocument({
        redirect_uris: ["https://app.example.com/cb", "http://127.0.0.1:8123/cb", "http://localhost/cb", "http://[::1]/cb", "com.example.agent:/cb"],
        logo_uri: "https://app.example.com/logo.png",
        client_uri: "https://app.example.com/",
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        scope: "files:read files:write",
        software_id: "unknown members are ignored",
        contacts: ["ops@example.com"],
      }),
    );
    const metadata = await fetcher().fetch(`${base}/happy.json`);
    expect(metadata).toEqual({
      clientId: `${base}/happy.json`,
      clientName: "Test agent",
      redirectUris: ["https://app.example.com/cb", "http://127.0.0.1:8123/cb", "http://localhost/cb", "http://[::1]/cb", "com.example.agent:/cb"],
      logoUri: "https://app.example.com/logo.png",
      clientUri: "https://app.example.com/",
      tosUri: null,
      policyUri: null,
      tokenEndpointAuthMethod: "none",
      grantTypes: ["authorization_code", "refresh_token"],
      responseTypes: ["code"],
      scope: "files:read files:write",
    });
    expect(Object.isFrozen(metadata)).toBe(true);
  });

  it("fills RFC 7591's optional members: a public client of the code flow", async () => {
    routes.set("/minimal.json", (req, res) => send(res, { client_id: selfUrl(req), redirect_uris: ["https://a.example.com/cb"] }, { "content-type": "application/json; charset=utf-8" }));
    const metadata = await fetcher().fetch(`${base}/minimal.json`);
    expect(metadata).toMatchObject({ clientName: null, tokenEndpointAuthMethod: "none", grantTypes: ["authorization_code"], responseTypes: ["code"] });
  });

  it("accepts a query in the client_id and a more specific +json media type", async () => {
    routes.set("/query.json", serveDocument({}, { "content-type": "application/client-metadata+json" }));
    const metadata = await fetcher().fetch(`${base}/query.json?v=2`);
    expect(metadata.clientId).toBe(`${base}/query.json?v=2`);
  });
});

type Row = {
  name: string;
  reason: ClientMetadataReason;
  clientId?: (base: string) => string;
  route?: Route;
  settings?: Partial<ClientMetadataSettings>;
  resolve?: HostResolver;
};

const path = (name: string) => `/refuse/${name.replace(/[^a-z0-9]+/gi, "-")}.json`;

const refusals: Row[] = [
  { name: "the feature off", reason: "disabled", settings: { enabled: false } },
  // The client_id as a URL (draft-ietf-oauth-client-id-metadata-document).
  { name: "not a URL", reason: "invalid_client_id", clientId: () => "my-agent" },
  { name: "a relative URL", reason: "invalid_client_id", clientId: () => "/client.json" },
  { name: "http, not https", reason: "invalid_client_id", clientId: (b) => b.replace("https:", "http:") + "/c.json" },
  { name: "another scheme", reason: "invalid_client_id", clientId: () => "urn:example:client" },
  { name: "https without slashes", reason: "invalid_client_id", clientId: () => `https:127.0.0.1:${port}/c.json` },
  { name: "an upper-case scheme", reason: "invalid_client_id", clientId: (b) => `${b.replace("https", "HTTPS")}/c.json` },
  { name: "no path", reason: "invalid_client_id", clientId: (b) => b },
  { name: "no path, with a query", reason: "invalid_client_id", clientId: (b) => `${b}?client=1` },
  { name: "a fragment", reason: "invalid_client_id", clientId: (b) => `${b}/c.json#main` },
  { name: "an empty fragment", reason: "invalid_client_id", clientId: (b) => `${b}/c.json#` },
  { name: "userinfo", reason: "invalid_client_id", clientId: (b) => b.replace("https://", "https://user:pw@") + "/c.json" },
  { name: "an empty userinfo", reason: "invalid_client_id", clientId: (b) => b.replace("https://", "https://@") + "/c.json" },
  { name: "a .. segment", reason: "invalid_client_id", clientId: (b) => `${b}/a/../c.json` },
  { name: "a . segment", reason: "invalid_client_id", clientId: (b) => `${b}/./c.json` },
  { name: "an encoded .. segment", reason: "invalid_client_id", clientId: (b) => `${b}/a/%2E%2e/c.json` },
  { name: "a trailing .. segment", reason: "invalid_client_id", clientId: (b) => `${b}/a/..` },
  { name: "a non-canonical host", reason: "invalid_client_id", clientId: () => `https://127.0.0.1:${port}/C.json`.replace("127.0.0.1", "127.0.0.01") },
  { name: "an explicit default port", reason: "invalid_client_id", clientId: () => "https://127.0.0.1:443/c.json" },
  { name: "an unescaped space", reason: "invalid_client_id", clientId: (b) => `${b}/my client.json` },
  { name: "a backslash", reason: "invalid_client_id", clientId: (b) => `${b}/a\\c.json` },
  { name: "an over-long URL", reason: "invalid_client_id", clientId: (b) => `${b}/${"a".repeat(2100)}` },
  // The allowlist.
  { name: "a host not listed", reason: "host_not_allowed", clientId: () => `https://localhost:${port}/c.json` },
  { name: "a listed name's subdomain", reason: "host_not_allowed", settings: { hosts: ["example.com"] }, clientId: () => "https://a.example.com/c.json" },
  { name: "a wildcard's own name", reason: "host_not_allowed", settings: { hosts: ["*.example.com"] }, clientId: () => "https://example.com/c.json" },
  { name: "a look-alike suffix", reason: "host_not_allowed", settings: { hosts: ["*.example.com"] }, clientId: () => "https://evilexample.com/c.json" },
  { name: "a trailing-dot name", reason: "host_not_allowed", settings: { hosts: ["*.example.com"] }, clientId: () => "https://a.example.com./c.json" },
  // Resolution and the addresses it gives.
  { name: "a name that does not resolve", reason: "unresolvable_host", settings: { hosts: ["*.example.com"] }, clientId: () => "https://gone.example.com/c.json", resolve: () => Promise.reject(new Error("ENOTFOUND")) },
  { name: "a name with no address", reason: "unresolvable_host", settings: { hosts: ["*.example.com"] }, clientId: () => "https://empty.example.com/c.json", resolve: resolver([]) },
  ...[
    ["127.0.0.1", "loopback"],
    ["127.8.8.8", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "IPv6 loopback"],
    ["::", "IPv6 unspecified"],
    ["fe80::1", "IPv6 link-local"],
    ["fd12:3456::1", "IPv6 unique-local"],
    ["ff02::1", "IPv6 multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped link-local, hex"],
    ["64:ff9b::a00:1", "NAT64 of a private address"],
    ["2002:c0a8:101::1", "6to4 of a private address"],
  ].map(
    ([address = "", what]): Row => ({
      name: `a name resolving to ${address} (${what})`,
      reason: "private_address",
      settings: { hosts: ["*.example.com"] },
      clientId: () => "https://agent.example.com/c.json",
      resolve: resolver([address]),
    }),
  ),
  {
    name: "a name with one private address among public ones",
    reason: "private_address",
    settings: { hosts: ["*.example.com"] },
    clientId: () => "https://agent.example.com/c.json",
    resolve: resolver(["93.184.215.14", "10.0.0.7"]),
  },
  // The response.
  { name: "a redirect", reason: "redirect", route: (req, res) => send(res, "", { location: `${base}/happy.json` }, 302) },
  { name: "a permanent redirect", reason: "redirect", route: (req, res) => send(res, "", { location: `${base}/happy.json` }, 308) },
  { name: "a 404", reason: "bad_status", route: (req, res) => send(res, document(req), {}, 404) },
  { name: "a 500", reason: "bad_status", route: (req, res) => send(res, document(req), {}, 500) },
  { name: "a 204", reason: "bad_status", route: (req, res) => send(res, "", {}, 204) },
  { name: "HTML", reason: "bad_content_type", route: (req, res) => send(res, document(req), { "content-type": "text/html" }) },
  { name: "text that happens to be JSON", reason: "bad_content_type", route: (req, res) => send(res, document(req), { "content-type": "text/plain" }) },
  { name: "a look-alike media type", reason: "bad_content_type", route: (req, res) => send(res, document(req), { "content-type": "application/jsonp" }) },
  { name: "no content type", reason: "bad_content_type", route: (req, res) => { res.removeHeader("content-type"); res.end(JSON.stringify(document(req))); } },
  { name: "a gzip body", reason: "bad_content_type", route: (req, res) => send(res, document(req), { "content-encoding": "gzip" }) },
  { name: "a declared length over the limit", reason: "too_large", route: (req, res) => send(res, { ...document(req), pad: "x".repeat(6000) }) },
  { name: "invalid JSON", reason: "invalid_json", route: (req, res) => send(res, "{client_id:") },
  { name: "invalid UTF-8", reason: "invalid_json", route: (req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])); } },
  // The document.
  { name: "another client_id", reason: "client_id_mismatch", route: serveDocument({ client_id: "https://other.example.com/c.json" }) },
  { name: "the client_id with a trailing slash", reason: "client_id_mismatch", route: (req, res) => send(res, document(req, { client_id: `${selfUrl(req)}/` })) },
  { name: "no client_id", reason: "client_id_mismatch", route: serveDocument({ client_id: undefined }) },
  { name: "a JSON array", reason: "client_id_mismatch", route: (req, res) => send(res, [document(req)]) },
  { name: "no redirect_uris", reason: "invalid_document", route: serveDocument({ redirect_uris: undefined }) },
  { name: "empty redirect_uris", reason: "invalid_document", route: serveDocument({ redirect_uris: [] }) },
  { name: "a redirect_uris string", reason: "invalid_document", route: serveDocument({ redirect_uris: "https://app.example.com/cb" }) },
  { name: "a relative redirect URI", reason: "invalid_document", route: serveDocument({ redirect_uris: ["/callback"] }) },
  { name: "a redirect URI with a fragment", reason: "invalid_document", route: serveDocument({ redirect_uris: ["https://app.example.com/cb#x"] }) },
  { name: "an http redirect URI off loopback", reason: "invalid_document", route: serveDocument({ redirect_uris: ["http://app.example.com/cb"] }) },
  { name: "an http redirect URI to a private address", reason: "invalid_document", route: serveDocument({ redirect_uris: ["http://10.0.0.1/cb"] }) },
  { name: "a javascript: redirect URI", reason: "invalid_document", route: serveDocument({ redirect_uris: ["javascript:alert(1)"] }) },
  { name: "a data: redirect URI", reason: "invalid_document", route: serveDocument({ redirect_uris: ["data:text/html,hi"] }) },
  { name: "too many redirect URIs", reason: "invalid_document", route: serveDocument({ redirect_uris: Array.from({ length: 21 }, (_, i) => `https://a.example.com/${i}`) }) },
  { name: "a client secret method", reason: "invalid_document", route: serveDocument({ token_endpoint_auth_method: "client_secret_basic" }) },
  { name: "private_key_jwt (not yet supported)", reason: "invalid_document", route: serveDocument({ token_endpoint_auth_method: "private_key_jwt" }) },
  { name: "a client_secret", reason: "invalid_document", route: serveDocument({ client_secret: "s3cret" }) },
  { name: "the client_credentials grant", reason: "invalid_document", route: serveDocument({ grant_types: ["client_credentials"] }) },
  { name: "refresh_token without authorization_code", reason: "invalid_document", route: serveDocument({ grant_types: ["refresh_token"] }) },
  { name: "the implicit response type", reason: "invalid_document", route: serveDocument({ response_types: ["token"] }) },
  { name: "a name with a bidi override", reason: "invalid_document", route: serveDocument({ client_name: "Safe\u202eelif" }) },
  { name: "an over-long name", reason: "invalid_document", route: serveDocument({ client_name: "n".repeat(201) }) },
  { name: "an http logo", reason: "invalid_document", route: serveDocument({ logo_uri: "http://app.example.com/logo.png" }) },
  { name: "a javascript: client_uri", reason: "invalid_document", route: serveDocument({ client_uri: "javascript:alert(1)" }) },
];

describe("refusals (each with its reason code)", () => {
  it.each(refusals)("refuses $name: $reason", async (row) => {
    const p = path(row.name);
    if (row.route) routes.set(p, row.route);
    const clientId = row.clientId ? row.clientId(base) : `${base}${p}`;
    const error = await refusal(fetcher(row.settings, row.resolve).fetch(clientId));
    expect(error.reason).toBe(row.reason);
    expect(error.message.length).toBeGreaterThan(20);
    expect(error.status).toBe(400);
  });

  it("names the field a document gets wrong", async () => {
    routes.set("/field.json", serveDocument({ redirect_uris: ["http://app.example.com/cb"] }));
    const error = await refusal(fetcher().fetch(`${base}/field.json`));
    expect(error.message).toMatch(/redirect_uris\.0: may use http only for a loopback address/);
  });

  it("refuses a certificate it does not trust (production trusts the system's CAs only)", async () => {
    routes.set("/trusted.json", serveDocument());
    const error = await refusal(fetcher({}, undefined, false).fetch(`${base}/trusted.json`));
    expect(error.reason).toBe("fetch_failed");
  });

  it("refuses when nothing listens", async () => {
    const probe = createTcpServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const closedPort = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, "close");
    const error = await refusal(fetcher().fetch(`https://127.0.0.1:${closedPort}/c.json`));
    expect(error.reason).toBe("fetch_failed");
  });
});

describe("private addresses and DNS rebinding", () => {
  it("refuses a name resolving to 127.0.0.1 when only the name is listed, without connecting", async () => {
    routes.set("/named.json", serveDocument());
    const before = requestsFor("/named.json");
    const error = await refusal(fetcher({ hosts: ["metadata.test"] }, resolver(["127.0.0.1"])).fetch(`https://metadata.test:${port}/named.json`));
    expect(error.reason).toBe("private_address");
    expect(error.message).toMatch(/loopback/);
    expect(requestsFor("/named.json")).toBe(before);
  });

  it("fetches from the checked address by name once that exact IP is listed too, resolving once", async () => {
    routes.set("/named-ok.json", serveDocument());
    // metadata.test exists in no DNS: the connection can only have gone to the checked address.
    const resolve = resolver(["127.0.0.1"]);
    const metadata = await fetcher({ hosts: ["metadata.test", "127.0.0.1"] }, resolve).fetch(`https://metadata.test:${port}/named-ok.json`);
    expect(metadata.clientId).toBe(`https://metadata.test:${port}/named-ok.json`);
    expect(resolve.calls).toBe(1);
    // TLS and the Host header kept the name (the certificate was checked for metadata.test).
    expect(seen.filter((r) => r.path === "/named-ok.json").map((r) => r.host)).toEqual([`metadata.test:${port}`]);
  });

  it("never asks DNS again between the check and the connection (a rebinding answer is never seen)", async () => {
    routes.set("/rebind.json", serveDocument());
    let calls = 0;
    // First answer: the listed address. Any later answer: the cloud metadata service.
    const rebinding: HostResolver = async () => [{ address: calls++ === 0 ? "127.0.0.1" : "169.254.169.254", family: 4 }];
    const metadata = await fetcher({ hosts: ["metadata.test", "127.0.0.1"] }, rebinding).fetch(`https://metadata.test:${port}/rebind.json`);
    expect(metadata.clientName).toBe("Test agent");
    expect(calls).toBe(1);
  });

  it("does not let an IP listed for itself excuse another private address", async () => {
    const error = await refusal(fetcher({ hosts: ["metadata.test", "127.0.0.1"] }, resolver(["127.0.0.1", "10.0.0.1"])).fetch(`https://metadata.test:${port}/x.json`));
    expect(error.reason).toBe("private_address");
  });
});

describe("limits", () => {
  it("stops reading a body streamed without Content-Length past the byte limit", async () => {
    let written = 0;
    let closed: Promise<unknown> = Promise.resolve();
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const huge = 512 * 1024 * 1024;
    routes.set("/huge.json", (req, res) => {
      closed = once(res, "close");
      res.writeHead(200, { "content-type": "application/json" }); // chunked: no Content-Length
      const pump = () => {
        while (!res.destroyed && written < huge) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    const error = await refusal(fetcher({ maxBytes: 5120 }).fetch(`${base}/huge.json`));
    expect(error.reason).toBe("too_large");
    await closed; // Vigil hung up: the server stopped long before the end
    expect(written).toBeLessThan(huge);
  });

  it("times out on a server that never answers", async () => {
    const pending: ServerResponse[] = [];
    routes.set("/silent.json", (req, res) => void pending.push(res));
    const error = await refusal(fetcher({ timeoutMs: 200 }).fetch(`${base}/silent.json`));
    expect(error.reason).toBe("timeout");
    expect(pending).toHaveLength(1);
  });

  it("times out on a body that never ends (the deadline covers the whole body)", async () => {
    routes.set("/trickle.json", (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"client_id":');
    });
    const error = await refusal(fetcher({ timeoutMs: 200 }).fetch(`${base}/trickle.json`));
    expect(error.reason).toBe("timeout");
  });

  it("times out on a peer that accepts the connection and never speaks TLS", async () => {
    const mute = createTcpServer(() => undefined).listen(0, "127.0.0.1");
    await once(mute, "listening");
    try {
      const error = await refusal(fetcher({ timeoutMs: 200 }).fetch(`https://127.0.0.1:${(mute.address() as AddressInfo).port}/c.json`));
      expect(error.reason).toBe("timeout");
    } finally {
      mute.close();
    }
  });

  it("times out on a name that never resolves", async () => {
    const never: HostResolver = () => new Promise(() => undefined);
    const error = await refusal(fetcher({ timeoutMs: 200, hosts: ["*.example.com"] }, never).fetch("https://slow.example.com/c.json"));
    expect(error.reason).toBe("timeout");
  });

  it("does not follow a redirect to an address it would otherwise fetch", async () => {
    routes.set("/moved.json", (req, res) => send(res, "", { location: `${base}/target.json` }, 302));
    routes.set("/target.json", serveDocument());
    const error = await refusal(fetcher().fetch(`${base}/moved.json`));
    expect(error.reason).toBe("redirect");
    expect(requestsFor("/target.json")).toBe(0);
  });
});

describe("the cache", () => {
  it("fetches once for two fetches, and once for many at the same moment", async () => {
    routes.set("/cached.json", serveDocument());
    routes.set("/together.json", serveDocument());
    const f = fetcher();
    const first = await f.fetch(`${base}/cached.json`);
    const second = await f.fetch(`${base}/cached.json`);
    expect(second).toBe(first);
    expect(requestsFor("/cached.json")).toBe(1);
    await Promise.all(Array.from({ length: 20 }, () => f.fetch(`${base}/together.json`)));
    expect(requestsFor("/together.json")).toBe(1);
  });

  it.each([
    ["max-age=120", 120_000],
    ["public, max-age=7200", 7_200_000],
    ["max-age=5 (raised to a minute)", 60_000],
    ["no-store (a minute)", 60_000],
    ["max-age=31536000 (lowered to a day)", 86_400_000],
    ["no header (an hour)", 3_600_000],
  ])("keeps a document served with %s for %i ms", async (label, lifetime) => {
    const header = label.replace(/ \(.*\)$/, "");
    const p = `/ttl-${lifetime}-${header.replace(/[^a-z0-9]+/gi, "-")}.json`;
    routes.set(p, serveDocument({}, header === "no header" ? {} : { "cache-control": header }));
    const f = fetcher();
    const start = clock;
    await f.fetch(`${base}${p}`);
    clock = start + lifetime - 1000;
    await f.fetch(`${base}${p}`);
    expect(requestsFor(p)).toBe(1);
    clock = start + lifetime + 1000;
    await f.fetch(`${base}${p}`);
    expect(requestsFor(p)).toBe(2);
  });

  it("remembers a refusal for 30 s, then asks again", async () => {
    let broken = true;
    routes.set("/flaky.json", (req, res) => (broken ? send(res, "oops", {}, 500) : send(res, document(req))));
    const f = fetcher();
    const start = clock;
    expect((await refusal(f.fetch(`${base}/flaky.json`))).reason).toBe("bad_status");
    broken = false;
    clock = start + 29_000;
    const again = await refusal(f.fetch(`${base}/flaky.json`));
    expect(again.reason).toBe("bad_status");
    expect(requestsFor("/flaky.json")).toBe(1);
    clock = start + 31_000;
    expect((await f.fetch(`${base}/flaky.json`)).clientName).toBe("Test agent");
    expect(requestsFor("/flaky.json")).toBe(2);
  });
});

describe("fetchClientMetadata (the process's fetcher, from the configuration)", () => {
  it("refuses while the feature is off (the default) and follows a replaced configuration", async () => {
    const original = getConfig();
    try {
      expect(original.clientMetadata.enabled).toBe(false);
      expect((await refusal(fetchClientMetadata(`${base}/happy.json`))).reason).toBe("disabled");
      setConfig(loadConfig(unitTestEnv({ LOG_LEVEL: "silent", CLIENT_METADATA_DOCUMENTS: "true", CLIENT_METADATA_HOSTS: "*.example.com" })));
      expect((await refusal(fetchClientMetadata(`${base}/happy.json`))).reason).toBe("host_not_allowed");
    } finally {
      setConfig(original);
    }
  });
});
