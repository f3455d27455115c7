import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { UnauthorizedError } from "@/lib/errors";
import { currentSigningKey } from "@/lib/keys/keyring";
import { signJwt } from "@/lib/identity/tokens/sign";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { getConfig, setConfig } from "@/lib/config";
import { startExternalIssuer, stopExternalIssuer } from "@/lib/keys/external-issuer";
import { startTestProvider } from "@/lib/testing/provider";
import { authenticateBearer } from "./bearer";

const target = testTargets()[0];
const AGENT = "4f0c0000-0000-4000-8000-0000000000a1";

describe("bearer authentication of Vigil tokens", () => {
  let t: TestDatabase;
  // As in the server: signing key loaded, gate view (and its credential cache) running.
  beforeAll(async () => {
    if (!target) throw new Error("no test database");
    t = await openLikeServer(target);
  });
  afterAll(async () => t?.drop());
  afterEach(() => vi.useRealTimers());

  async function token(claims: Record<string, unknown>) {
    const key = currentSigningKey();
    if (!key) throw new Error("no key");
    const now = Math.floor(Date.now() / 1000);
    return signJwt(key, { typ: "at+jwt" }, { iss: "http://vigil.test", aud: "http://vigil.test", sub: AGENT, jti: `j-${Math.random()}`, iat: now, nbf: now, exp: now + 60, scope: "agents:read", ...claims });
  }
  const cause = (p: Promise<unknown>) => p.then(() => "accepted", (e: unknown) => (e instanceof UnauthorizedError ? e.challenge : `threw ${String(e)}`));

  it("re-checks expiry on every use, even once the signature is cached", async () => {
    const good = await token({});
    expect((await authenticateBearer(t.handle.db, `Bearer ${good}`)).id).toBe(AGENT);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 95_000 });
    expect(await cause(authenticateBearer(t.handle.db, `Bearer ${good}`))).toContain('error_description="token expired"');
  });

  it("checks the audience asked for on every use", async () => {
    const orders = await token({ aud: "https://orders.example.com/" });
    expect((await authenticateBearer(t.handle.db, `Bearer ${orders}`, ["https://orders.example.com/"])).id).toBe(AGENT);
    expect(await cause(authenticateBearer(t.handle.db, `Bearer ${orders}`))).toContain("wrong audience");
  });

  it("does not accept a token that differs from a cached one by a single character", async () => {
    const good = await token({});
    await authenticateBearer(t.handle.db, `Bearer ${good}`);
    const last = good.at(-2) === "A" ? "B" : "A";
    const tampered = `${good.slice(0, -2)}${last}${good.slice(-1)}`;
    expect(await cause(authenticateBearer(t.handle.db, `Bearer ${tampered}`))).toContain("invalid signature");
  });

  it("refuses a token issued in the future beyond the clock leeway, ours or the provider's (issue 19)", async () => {
    const original = getConfig();
    const idp = await startTestProvider();
    try {
      stopExternalIssuer();
      setConfig({ ...original, OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: "urn:vigil:api" });
      await startExternalIssuer();
      const hour = Math.floor(Date.now() / 1000) + 3600;
      const ours = await token({ iat: hour, nbf: undefined });
      expect(await cause(authenticateBearer(t.handle.db, `Bearer ${ours}`))).toContain('error_description="token issued in the future"');
      const theirs = await idp.token({ sub: "alice", aud: "urn:vigil:api", iat: hour, exp: hour + 300 });
      expect(await cause(authenticateBearer(t.handle.db, `Bearer ${theirs}`))).toContain('error_description="token issued in the future"');
      // Within the leeway both are fine.
      const soon = Math.floor(Date.now() / 1000) + 5;
      expect((await authenticateBearer(t.handle.db, `Bearer ${await idp.token({ sub: "alice", aud: "urn:vigil:api", iat: soon })}`)).id).toBe("alice");
      expect((await authenticateBearer(t.handle.db, `Bearer ${await token({ iat: soon, nbf: undefined })}`)).id).toBe(AGENT);
    } finally {
      stopExternalIssuer();
      setConfig(original);
      await idp.close();
    }
  });
});
