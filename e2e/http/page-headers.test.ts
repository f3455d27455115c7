import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/** The policy's directives by name. */
function directives(policy: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (policy ?? "").split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

/** Every `<script` tag's attributes in a page. */
const scriptTags = (html: string) => [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? "");

/** Issue 19 item 7: the console's pages carry a nonce-based CSP and the browser hardening headers. */
describe.each(inject("servers"))("console page headers on $name", ({ baseUrl }) => {
  it("sends a nonce-based Content-Security-Policy that allows no inline script but the page's own, with a fresh nonce per response", async () => {
    const nonces: string[] = [];
    for (const path of ["/signin", "/signin"]) {
      const res = await fetch(`${baseUrl}${path}`);
      expect(res.status).toBe(200);
      const csp = directives(res.headers.get("content-security-policy"));
      const script = csp.get("script-src") ?? [];
      const nonce = script.find((v) => v.startsWith("'nonce-"))?.slice(7, -1) ?? "";
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(script).toContain("'strict-dynamic'");
      expect(script).not.toContain("'unsafe-inline'");
      expect(script).not.toContain("'unsafe-eval'");
      expect(csp.get("object-src")).toEqual(["'none'"]);
      expect(csp.get("base-uri")).toEqual(["'none'"]);
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      // Every script the page has, Next's and the layout's inline theme script alike, carries it.
      const html = await res.text();
      const tags = scriptTags(html);
      expect(tags.length).toBeGreaterThan(1);
      for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
      nonces.push(nonce);
    }
    expect(new Set(nonces).size).toBe(2);
  });

  it("ignores a nonce the client sends, and sends Permissions-Policy, COOP and the framing and sniffing refusals; no HSTS over http", async () => {
    const res = await fetch(`${baseUrl}/signin`, { headers: { "x-nonce": "attacker-chosen", "content-security-policy": "script-src *" } });
    const html = await res.text();
    expect(html).not.toContain("attacker-chosen");
    expect(res.headers.get("content-security-policy")).not.toContain("script-src *");
    expect(res.headers.get("permissions-policy")).toMatch(/camera=\(\), microphone=\(\), geolocation=\(\)/);
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });
});

describe("served over https (TLS ends at the load balancer)", () => {
  let vigil: VigilProcess;
  beforeAll(async () => {
    const port = await freePort();
    const env = productionEnv(port, {});
    vigil = await startVigil("https-issuer", { ...env, AUTH_URL: "https://vigil.example.com", VALIDATOR_AUDIENCES: "https://vigil.example.com" }, undefined, `http://127.0.0.1:${port}`);
  });
  afterAll(async () => vigil?.stop());

  it("sends Strict-Transport-Security on pages and on the API", async () => {
    for (const path of ["/signin", "/api/v1/agents", "/.well-known/openid-configuration"]) {
      const res = await fetch(`${vigil.baseUrl}${path}`);
      expect(res.headers.get("strict-transport-security"), path).toBe("max-age=63072000; includeSubDomains");
    }
  });
});
