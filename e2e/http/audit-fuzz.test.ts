import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpus, HOSTILE } from "../../lib/audit/query/fuzz-corpus";
import { adminToken } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/** Every UTF-8 byte escaped (a lone surrogate becomes U+FFFD, as a browser would send it). */
const percentEncode = (s: string) => [...Buffer.from(s, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

/**
 * Thousands of random and hostile query strings at the API: each is a 4xx that says what is
 * wrong, or a correct answer; never a 5xx. A Vigil of its own, with the API limits off.
 */
describe("fuzz: the audit API", () => {
  let vigil: VigilProcess;
  beforeAll(async () => {
    vigil = await startVigil("audit-fuzz", { ...productionEnv(await freePort(), {}), RATE_LIMIT_API_PER_IP: "0", RATE_LIMIT_API_PER_SUBJECT: "0" });
  });
  afterAll(async () => vigil?.stop());

  it("answers every query with 200 or a 4xx problem, and the log is intact afterwards", async () => {
    const token = await adminToken(vigil.baseUrl);
    const all = corpus();
    // Every hostile string, and an even spread of the rest (about 2,000 requests).
    const inputs = [...HOSTILE, ...all.filter((_, i) => i % 2 === 0)].map(percentEncode);
    // And what only a URL can carry: invalid percent escapes and bytes that are not UTF-8.
    inputs.push("%ZZ", "%", "%FF%FE", "kind%3D%C0%AF", "%00", "%E2%82", "a%2", "%%%");
    const statuses = new Map<number, number>();
    const wrong: { q: string; status: number; body: string }[] = [];
    for (let i = 0; i < inputs.length; i += 8) {
      await Promise.all(
        inputs.slice(i, i + 8).map(async (q) => {
          const res = await fetch(`${vigil.baseUrl}/api/v1/audit?n=5&q=${q}`, { headers: { authorization: `Bearer ${token}` } });
          const body = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problem = res.status >= 400 && res.status < 500 && (res.status !== 400 || /"detail":"[^"]+/.test(body));
          if (!(res.status === 200 && body.startsWith('{"events":[')) && !problem) wrong.push({ q: q.slice(0, 200), status: res.status, body: body.slice(0, 200) });
        }),
      );
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(500);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(500);
    const health = await fetch(`${vigil.baseUrl}/api/v1/audit?n=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(health.status).toBe(200);
  }, 180_000);
});
