import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, basic } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/** A Vigil of its own with tiny buckets, so draining them disturbs no other test. */
describe("rate limits", () => {
  let vigil: VigilProcess;
  beforeAll(async () => {
    vigil = await startVigil("rate-limited", {
      ...productionEnv(await freePort(), {}),
      RATE_LIMIT_TOKEN_PER_IP: "0.5:4",
      RATE_LIMIT_API_PER_SUBJECT: "0.5:2",
      RATE_LIMIT_VALIDATE_PER_SUBJECT: "0.5:2",
    });
  });
  afterAll(async () => vigil?.stop());

  it("answers the token endpoint over its per-IP budget with 429, Retry-After and RateLimit headers", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${vigil.baseUrl}/api/v1/token`, {
        method: "POST",
        headers: { authorization: basic("vgc_nobody", "vgs_nothing"), "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(last?.headers.get("ratelimit-limit")).toBe("4");
    expect(last?.headers.get("ratelimit-remaining")).toBe("0");
    expect(await last?.json()).toMatchObject({ error: "rate_limited" });
  });

  it("limits API callers per subject with a problem+json 429", async () => {
    // The bucket for the IP is spent; wait for the one token it refills (visible state, not a sleep).
    let token: string | undefined;
    const deadline = Date.now() + 10_000;
    while (!token && Date.now() < deadline) token = await adminToken(vigil.baseUrl).catch(() => undefined);
    if (!token) throw new Error("no admin token within 10 s");
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${vigil.baseUrl}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(last?.headers.get("content-type")).toBe("application/problem+json");
    expect(last?.headers.get("retry-after")).toBe("2");
  });
});
