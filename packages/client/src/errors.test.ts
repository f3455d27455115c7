import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { errorFrom, HttpError, OAuthError, ProblemError, unreachable } from "./errors";

describe("errorFrom", () => {
  it("reads RFC 9457 problems with their field errors and request id", async () => {
    const body = { type: "about:blank", title: "Invalid request", status: 400, detail: "email must be an email address", errors: [{ path: "email", message: "bad" }], request_id: "r1" };
    const error = await errorFrom(new Response(JSON.stringify(body), { status: 400, headers: { "content-type": "application/problem+json" } }));
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ status: 400, title: "Invalid request", detail: "email must be an email address", requestId: "r1", errors: [{ path: "email", message: "bad" }] });
    expect(error.message).toBe("Invalid request: email must be an email address");
  });

  it("reads OAuth errors (RFC 6749 §5.2)", async () => {
    const error = await errorFrom(Response.json({ error: "invalid_client", error_description: "Client authentication failed." }, { status: 401 }));
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ status: 401, error: "invalid_client", description: "Client authentication failed." });
  });

  it("keeps anything else to one short line", async () => {
    const error = await errorFrom(new Response(`<html>\n<body>${"x".repeat(500)}</body></html>`, { status: 502 }));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(220);
  });

  it("names the system's reason when nothing answered", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const failure = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(unreachable(`http://127.0.0.1:${port}`, failure)).toMatchObject({ status: null, code: "ECONNREFUSED" });
    expect(unreachable("http://x", new TypeError("fetch failed", { cause: new Error("bad port") })).code).toBe("bad port");
  });
});
