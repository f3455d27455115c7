import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RemoteKeySet } from "./remote-keys";

/** A stand-in provider whose JWKS the test can change and whose answers it counts. */
async function provider(initialKids: string[]) {
  const { publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  const state = { kids: initialKids, jwksRequests: 0, up: true };
  const server: Server = createServer((req, res) => {
    if (!state.up) return void res.writeHead(503).end();
    const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    if (req.url === "/.well-known/openid-configuration") {
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    }
    state.jwksRequests++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: state.kids.map((kid) => ({ ...jwk, kid, alg: "RS256", use: "sig" })) }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { issuer, state, close: () => new Promise((r) => server.close(r)) };
}

describe("RemoteKeySet", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("finds keys by discovery and keeps them when the provider becomes unreachable", async () => {
    const idp = await provider(["k1"]);
    cleanups.push(idp.close);
    const keys = new RemoteKeySet({ issuer: idp.issuer });
    cleanups.push(() => keys.stop());
    await keys.start();
    expect(keys.status()).toMatchObject({ ok: true, keys: 1 });
    expect(keys.hasKid("k1")).toBe(true);

    idp.state.up = false;
    await keys.refresh();
    expect(keys.status()).toMatchObject({ ok: false, keys: 1 });
    expect(keys.status().error).toMatch(/^OIDC discovery failed/);
    expect(keys.hasKid("k1")).toBe(true);
  });

  it("refreshes for an unknown kid at most once per 30 s", async () => {
    const idp = await provider(["k1"]);
    cleanups.push(idp.close);
    const keys = new RemoteKeySet({ issuer: idp.issuer });
    cleanups.push(() => keys.stop());
    await keys.start();
    const before = idp.state.jwksRequests;
    idp.state.kids = ["k1", "k2"];
    for (let i = 0; i < 20; i++) await keys.refreshForUnknownKid();
    // The start-up fetch was just now: a flood of unknown kids causes no request at all.
    expect(idp.state.jwksRequests).toBe(before);
    expect(keys.hasKid("k2")).toBe(false);
    // Once the cooldown has passed, the next unknown kid fetches the set again.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 31_000 });
    await keys.refreshForUnknownKid();
    vi.useRealTimers();
    expect(idp.state.jwksRequests).toBe(before + 1);
    expect(keys.hasKid("k2")).toBe(true);
  });

  it("refuses a discovery document that names another issuer", async () => {
    const idp = await provider(["k1"]);
    cleanups.push(idp.close);
    const keys = new RemoteKeySet({ issuer: `${idp.issuer}/realms/other` });
    cleanups.push(() => keys.stop());
    await keys.start();
    expect(keys.hasKeys()).toBe(false);
    expect(keys.status().error).toBe("OIDC discovery failed: discovery document names another issuer");
  });
});
