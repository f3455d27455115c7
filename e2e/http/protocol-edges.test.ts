import { request as httpRequest } from "node:http";
import { describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, basic } from "../support/client";

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One request with headers exactly as given (repeats included), which fetch would merge or refuse. */
function raw(baseUrl: string, method: string, path: string, headers: string[], body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // Headers as an array are sent exactly as given, so Host must be among them.
    const req = httpRequest(`${baseUrl}${path}`, { method, headers: ["host", new URL(baseUrl).host, ...headers] }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const FORM = ["content-type", "application/x-www-form-urlencoded"];
const CC = "grant_type=client_credentials";

/** What an attacker found at the protocol's edges (issue 19, items 4, 9, 10, 11), each a refusal now. */
describe.each(inject("servers"))("protocol edges on $name", ({ baseUrl }) => {
  it("refuses two Authorization headers with 400 invalid_request, whichever comes first, and never issues a token", async () => {
    const agent = await agentWithCredential(baseUrl);
    const right = basic(agent.clientId, agent.secret);
    const wrong = basic(agent.clientId, "not-the-secret");
    for (const pair of [[right, wrong], [wrong, right], [right, right]]) {
      const res = await raw(baseUrl, "POST", "/api/v1/token", [...FORM, "authorization", pair[0] ?? "", "authorization", pair[1] ?? ""], CC);
      expect(res.status, res.body).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: "invalid_request", error_description: expect.stringMatching(/one Authorization header/) });
    }
    const token = await adminToken(baseUrl);
    const twoBearers = await raw(baseUrl, "GET", "/api/v1/agents", ["authorization", `Bearer ${token}`, "authorization", `Bearer ${token}`]);
    expect(twoBearers.status).toBe(400);
    expect(twoBearers.headers["www-authenticate"]).toMatch(/^Bearer realm="vigil", error="invalid_request"/);
  });

  it("refuses Basic credentials with anything after the base64 (RFC 7617), audited as invalid_client", async () => {
    const agent = await agentWithCredential(baseUrl);
    const good = basic(agent.clientId, agent.secret);
    for (const junk of [`${good}!!`, `${good} trailing`, `${good}=`, `${good.slice(0, -1)}`]) {
      const res = await raw(baseUrl, "POST", "/api/v1/token", [...FORM, "authorization", junk], CC);
      expect(res.status, junk).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: "invalid_client" });
    }
    expect((await raw(baseUrl, "POST", "/api/v1/token", [...FORM, "authorization", good], CC)).status).toBe(200);
  });

  it("answers a NUL in client_id in the RFC 6749 shape, audited, never a database error", async () => {
    const res = await raw(baseUrl, "POST", "/api/v1/token", [...FORM, "authorization", `Basic ${Buffer.from("vgc_\u0000evil:secret").toString("base64")}`], CC);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: "invalid_client", error_description: expect.stringMatching(/control characters/) });
    const audit = await api(baseUrl, await adminToken(baseUrl))("GET", `/api/v1/audit?q=${encodeURIComponent("kind=auth.failed")}&n=50`);
    expect(JSON.stringify(audit.json)).toContain("malformed_client_id");
  });

  it("answers a Bearer scheme without a token with 400 invalid_request, and no credentials with a challenge without an error code (RFC 6750 §3.1)", async () => {
    for (const header of ["Bearer", "Bearer   "]) {
      const res = await raw(baseUrl, "GET", "/api/v1/agents", ["authorization", header]);
      expect(res.status, JSON.stringify(header)).toBe(400);
      expect(res.headers["www-authenticate"]).toMatch(/error="invalid_request"/);
    }
    const none = await raw(baseUrl, "GET", "/api/v1/agents", []);
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).not.toMatch(/error=/);
  });

  it("answers 413 at once to a body declared larger than the route allows, without waiting for it", async () => {
    const token = await adminToken(baseUrl);
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(`${baseUrl}/api/v1/agents`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": String(10 * 1024 * 1024) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        req.destroy();
      });
      req.on("error", reject);
      // 29 bytes of the declared 10 MB, and the request is never ended: only an answer that
      // does not wait for the rest ends this test.
      req.write('{"name":"slow","email":"x@y"}');
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe("close");
  });

  it("answers TRACE with 405 and Allow, and an unknown method with 501, on API and console paths alike", async () => {
    for (const path of ["/api/v1/agents", "/api/health", "/agents", "/"]) {
      const trace = await raw(baseUrl, "TRACE", path, []);
      expect(trace.status, path).toBe(405);
      expect(trace.headers.allow).toContain("GET");
      const unknown = await raw(baseUrl, "PROPFIND", path, []);
      expect(unknown.status, path).toBe(501);
      expect(JSON.parse(unknown.body)).toMatchObject({ title: "Not Implemented" });
    }
  });
});
