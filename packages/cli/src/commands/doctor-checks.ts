import { OPS, UnreachableError, VigilError, type IssuerMetadata, type Jwks } from "@vigil/client";
import { errorLine } from "../error-line";
import { client } from "../session";

export type Check = { name: string; status: "ok" | "warn" | "fail" | "skip"; detail: string };

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const TIMEOUT_MS = 10_000;
/** Beyond this, `iat`/`exp` checks between Vigil and its verifiers disagree. */
const SKEW_WARN_S = 5;
const SKEW_FAIL_S = 60;

/**
 * The checks of `vigil doctor`, in order; each is reported as soon as it is decided. Later
 * checks that need what an earlier one failed to get are skipped, saying why.
 */
export async function runChecks(url: string, token: () => Promise<string | null>, report: (c: Check) => void): Promise<Check[]> {
  const checks: Check[] = [];
  const say = (name: string, status: Check["status"], detail: string) => {
    const c = { name, status, detail };
    checks.push(c);
    report(c);
  };
  const api = client(url);
  const signal = () => AbortSignal.timeout(TIMEOUT_MS);

  const base = new URL(url);
  if (base.protocol === "https:") say("tls", "ok", "https");
  else if (LOOPBACK.has(base.hostname)) say("tls", "ok", `plain http on ${base.hostname} (loopback only)`);
  else say("tls", "warn", "plain http: tokens and secrets cross the network unencrypted; serve Vigil behind TLS");

  // Reachability, and the clock from the same answer's Date header.
  const sent = Date.now();
  let health: Response;
  try {
    health = await api.transport.send(OPS.health, { auth: false, signal: signal() });
  } catch (error) {
    say("reachable", "fail", errorLine(error));
    for (const name of ["ready", "clock", "discovery", "jwks", "token", "signature", "metrics"]) say(name, "skip", "Vigil is not reachable");
    return checks;
  }
  const received = Date.now();
  say("reachable", "ok", `${url} answered ${health.status} in ${received - sent} ms`);
  await health.body?.cancel();

  try {
    await api.transport.send(OPS.ready, { auth: false, signal: signal() }).then((r) => r.body?.cancel());
    say("ready", "ok", "/api/ready answered 200");
  } catch (error) {
    say("ready", "fail", `not ready: ${errorLine(error)}`);
  }

  const date = health.headers.get("date");
  if (!date) say("clock", "warn", "no Date header to compare clocks with");
  else {
    // The Date header has whole seconds: compare with the middle of the exchange, allow for the rounding.
    const skew = (Date.parse(date) - (sent + received) / 2) / 1000;
    const off = Math.max(0, Math.abs(skew) - 1);
    const text = `server clock ${skew >= 0 ? "ahead of" : "behind"} this one by about ${Math.abs(skew).toFixed(1)}s`;
    say("clock", off > SKEW_FAIL_S ? "fail" : off > SKEW_WARN_S ? "warn" : "ok", off > SKEW_WARN_S ? `${text}: tokens' iat/exp will be off; run NTP` : text);
  }

  let metadata: IssuerMetadata | null = null;
  try {
    metadata = await api.transport.json<IssuerMetadata>(OPS.discovery, { auth: false, signal: signal() });
    // RFC 8414 §3.3: the issuer must be the URL its metadata was fetched under.
    if (metadata.issuer === url) say("discovery", "ok", `issuer ${metadata.issuer}`);
    else say("discovery", "warn", `issuer ${metadata.issuer} is not ${url}: clients discovering Vigil here will refuse its tokens`);
  } catch (error) {
    say("discovery", "fail", `/.well-known/openid-configuration: ${errorLine(error)}`);
  }

  let jwks: Jwks | null = null;
  if (!metadata) say("jwks", "skip", "no discovery document");
  else {
    try {
      const res = await fetch(metadata.jwks_uri, { signal: signal(), headers: { accept: "application/json" } });
      if (!res.ok) throw new VigilError(`${metadata.jwks_uri} answered ${res.status}`, res.status);
      jwks = (await res.json()) as Jwks;
      if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) say("jwks", "fail", `${metadata.jwks_uri} publishes no keys`);
      else say("jwks", "ok", `${jwks.keys.length} key${jwks.keys.length === 1 ? "" : "s"} at ${metadata.jwks_uri}`);
    } catch (error) {
      say("jwks", "fail", `${metadata.jwks_uri}: ${error instanceof UnreachableError || error instanceof VigilError ? errorLine(error) : (error as Error).message}`);
      jwks = null;
    }
  }

  let bearer: string | null = null;
  try {
    bearer = await token();
  } catch (error) {
    say("token", "fail", errorLine(error));
  }
  if (bearer === null) {
    if (!checks.some((c) => c.name === "token")) say("token", "skip", "not logged in (run `vigil login`): token checks skipped");
    say("signature", "skip", "no token");
  } else {
    const claims = payloadOf(bearer);
    if (!metadata) say("token", "skip", "no discovery document to compare the issuer with");
    else if (claims?.iss === metadata.issuer) say("token", "ok", `iss ${claims.iss} matches discovery`);
    else say("token", "fail", `the token's iss ${JSON.stringify(claims?.iss)} is not the discovered issuer ${metadata.issuer}`);
    if (!jwks || !metadata) say("signature", "skip", "no JWKS");
    else {
      const { createLocalJWKSet, jwtVerify } = await import("jose");
      try {
        const { protectedHeader } = await jwtVerify(bearer, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), { issuer: metadata.issuer });
        say("signature", "ok", `the token verifies against the JWKS (kid ${protectedHeader.kid ?? "-"}, ${protectedHeader.alg})`);
      } catch (error) {
        say("signature", "fail", `the token does not verify against the JWKS: ${(error as Error).message}`);
      }
    }
  }

  try {
    const res = await api.transport.send(OPS.metrics, { auth: false, signal: signal() });
    await res.body?.cancel();
    // Vigil's default (no METRICS_TOKEN), as Prometheus targets usually are: fine on a private port, a leak on a public one.
    say("metrics", "warn", `/metrics answered ${res.status} without a token: open to anyone who reaches it; set METRICS_TOKEN or keep it off public networks`);
  } catch (error) {
    const status = error instanceof VigilError ? error.status : null;
    if (status === 401 || status === 403) say("metrics", "ok", `/metrics refuses a request without a token (${status})`);
    else if (status === 404) say("metrics", "warn", "/metrics not found");
    else say("metrics", "warn", `/metrics: ${errorLine(error)}`);
  }
  return checks;
}

/** The JWT's claims, unverified (the signature check comes after). */
function payloadOf(jwt: string): { iss?: string } | null {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { iss?: string };
  } catch {
    return null;
  }
}
