import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import * as oauth from "oauth4webapi";
import { startCallbackServer, type CallbackServer } from "../support/callback-server";
import { adminToken, agentWithCredential, api } from "../support/client";
import type { IdpInfo } from "../support/idp";
import { env, expect, INVOICES_AUDIENCE, signInAtIdp, snap, test } from "./fixtures";

/**
 * Vigil as an OAuth authorization server, driven by oauth4webapi (the strictest client we
 * know: issuer match, `iss` and `state` response parameters, RFC 9068 access tokens) as the
 * agent, and Chromium as the person: sign-in at the organisation's provider, Vigil's consent
 * page, and back to the agent's loopback redirect.
 */

// Vigil runs on plain http on the loopback interface in the tests.
const INSECURE = { [oauth.allowInsecureRequests]: true } as const;
const ALICE = "viewer-finance-alice";
/** Registered without a port: RFC 8252 §7.3 lets the native app pick one per request. */
const LOOPBACK_REDIRECT = "http://127.0.0.1/callback";
/** Not reachable from the tests (every non-loopback request is aborted): the fallback shows. */
const LOGO = "https://logos.example.com/invoices-bot.png";
const HOMEPAGE = "https://invoices.example.com/about";

type ClientKind = "confidential" | "public";
type Agent = { id: string; name: string; clientId: string; secret: string | null };
type AuthRequest = { url: URL; state: string; verifier: string; redirectUri: string };

const idpInfo = () => JSON.parse(readFileSync(env("E2E_IDP_INFO"), "utf8")) as IdpInfo;
const personOf = (login: string) => `${idpInfo().issuer}#${encodeURIComponent(login)}`;

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/** An agent registered as an OAuth client through the admin API, with one credential. */
async function registerAgent(base: string, extra: Record<string, unknown> = {}): Promise<Agent> {
  const name = `invoices bot ${Math.random().toString(36).slice(2, 8)}`;
  const made = await agentWithCredential(base, {
    name,
    owner: "finance-platform",
    allowed_scopes: ["invoices:read", "invoices:write", "payroll:read"],
    allowed_resources: [INVOICES_AUDIENCE],
    description: "Files your supplier invoices and chases the late ones.",
    redirect_uris: [LOOPBACK_REDIRECT],
    logo_uri: LOGO,
    homepage_uri: HOMEPAGE,
    ...extra,
  });
  // A public client's credential has no secret: the API answers client_secret null.
  return { id: made.id, name, clientId: made.clientId, secret: (made.secret as string | null) ?? null };
}

/** RFC 8414 discovery of Vigil as the agent's authorization server. */
async function discover(issuer = env("E2E_VIGIL")) {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: "oauth2", ...INSECURE }));
}

/** An authorization URL with PKCE (S256) and state, to the agent's loopback redirect at the server's real port. */
async function authorizationRequest(as: oauth.AuthorizationServer, clientId: string, redirectUri: string, scope: string, resource: string | null = INVOICES_AUDIENCE): Promise<AuthRequest> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(must(as.authorization_endpoint, "authorization_endpoint"));
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", state);
  url.searchParams.set("scope", scope);
  if (resource) url.searchParams.set("resource", resource);
  return { url, state, verifier, redirectUri };
}

const clientAuthOf = (agent: Agent): oauth.ClientAuth => (agent.secret === null ? oauth.None() : oauth.ClientSecretBasic(agent.secret));

/** The callback checked (iss, state), the code redeemed with the PKCE verifier. */
async function redeem(as: oauth.AuthorizationServer, agent: Agent, request: AuthRequest, callback: URL) {
  const client: oauth.Client = { client_id: agent.clientId };
  const params = oauth.validateAuthResponse(as, client, callback, request.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuthOf(agent), params, request.redirectUri, request.verifier, INSECURE);
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

async function refresh(as: oauth.AuthorizationServer, agent: Agent, refreshToken: string) {
  const client: oauth.Client = { client_id: agent.clientId };
  return oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuthOf(agent), refreshToken, INSECURE));
}

/** The access token as the invoices service would check it (RFC 9068: typ, iss, aud, exp, signature by JWKS). */
async function accessClaims(as: oauth.AuthorizationServer, token: string) {
  const request = new Request(`${INVOICES_AUDIENCE}api/invoices`, { headers: { authorization: `Bearer ${token}` } });
  return oauth.validateJwtAccessToken(as, request, INVOICES_AUDIENCE, INSECURE);
}

/** Whether Vigil still accepts an access token (RFC 7662, asked by the confidential agent itself). */
async function introspectActive(as: oauth.AuthorizationServer, agent: Agent, token: string) {
  const client: oauth.Client = { client_id: agent.clientId };
  const answer = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuthOf(agent), token, INSECURE));
  return answer.active;
}

/** Sent through sign-in first, then back to the consent page with the request intact. */
async function signInToConsent(page: Page, request: AuthRequest, login = ALICE) {
  await page.goto(request.url.href);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fauthorize%2Fconsent%3F/);
  await page.getByRole("button", { name: "Sign in with your organisation" }).click();
  await signInAtIdp(page, login);
}

async function expectConsentFor(page: Page, agent: Agent, request: AuthRequest) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${agent.name} wants to act for you`);
  expect(new URL(page.url()).pathname).toBe("/authorize/consent");
  expect(new URL(page.url()).searchParams.get("state")).toBe(request.state);
  // The decision buttons are a client component: act on them once React has attached its handlers.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "consent");
}

const consentDocument = (page: Page) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === "/authorize/consent" && r.request().resourceType() === "document" && r.status() === 200);

const refusedWith = (code: string) => expect.objectContaining({ error: code });

test.describe("authorization code flow with consent", () => {
  test.use({ colorScheme: "dark" });

  let callbacks: CallbackServer;
  test.beforeEach(async () => {
    callbacks = await startCallbackServer();
  });
  test.afterEach(async () => {
    await callbacks.close();
  });

  for (const kind of ["confidential", "public"] as const satisfies readonly ClientKind[]) {
    test(`a ${kind} agent: discovery, sign-in at the provider, consent to the intersection, code + PKCE, refresh rotation with reuse detection, revocation`, async ({ page }) => {
      test.setTimeout(120_000);
      const vigil = env("E2E_VIGIL");
      const admin = api(vigil, await adminToken(vigil));
      const agent = await registerAgent(vigil, { client_type: kind });
      expect(agent.secret === null).toBe(kind === "public");
      const client: oauth.Client = { client_id: agent.clientId };

      const as = await discover();
      expect(as.issuer).toBe(vigil);
      expect(as.code_challenge_methods_supported).toContain("S256");
      expect(as.authorization_response_iss_parameter_supported).toBe(true);
      expect(as.token_endpoint_auth_methods_supported).toContain(kind === "public" ? "none" : "client_secret_basic");

      // The registered redirect has no port; this one carries the server's real port (RFC 8252 any-port).
      const redirectUri = `http://127.0.0.1:${callbacks.port}/callback`;
      const request = await authorizationRequest(as, agent.clientId, redirectUri, "invoices:read payroll:read");
      const shown = consentDocument(page);
      await signInToConsent(page, request);
      await expectConsentFor(page, agent, request);

      // The consent page may never be framed (clickjacking).
      const headers = (await shown).headers();
      expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(headers["x-frame-options"]).toBe("DENY");

      // Who asks and where Alice goes back to.
      await expect(page.getByTestId("agent-owner")).toHaveText("finance-platform");
      await expect(page.getByTestId("agent-description")).toHaveText("Files your supplier invoices and chases the late ones.");
      await expect(page.getByTestId("agent-homepage")).toHaveAttribute("href", HOMEPAGE);
      await expect(page.getByTestId("agent-logo-fallback")).toHaveText("I");
      await expect(page.getByTestId("redirect-host")).toHaveText(`127.0.0.1:${callbacks.port}`);
      await expect(page.getByTestId("consent-person")).toContainText(ALICE);
      // She holds invoices:read (the finance group) but not payroll:read: she grants exactly the intersection.
      await expect(page.getByRole("heading", { name: "You will grant exactly these" })).toBeVisible();
      await expect(page.getByTestId("granted-scopes").getByRole("listitem")).toHaveCount(1);
      await expect(page.getByTestId("granted-scopes").getByRole("listitem")).toHaveAttribute("data-scope", "invoices:read");
      await expect(page.getByTestId("not-held-scopes").getByRole("listitem")).toHaveCount(1);
      await expect(page.getByTestId("not-held-scopes").getByRole("listitem")).toHaveAttribute("data-scope", "payroll:read");
      await expect(page.getByTestId("resources")).toContainText(INVOICES_AUDIENCE);
      await expect(page.getByTestId("existing-grant")).toHaveCount(0);
      await snap(page, `consent-${kind}`);

      await page.getByLabel(`How long may ${agent.name} act for you?`).selectOption({ label: "1 day" });
      await page.getByRole("button", { name: "Approve" }).click();
      const callback = await callbacks.nextCallback();
      await expect(page.getByRole("heading", { name: "Back at the agent" })).toBeVisible();
      expect(callback.searchParams.get("iss")).toBe(vigil);

      const tokens = await redeem(as, agent, request, callback);
      expect(tokens.token_type).toBe("bearer");
      expect(tokens.scope).toBe("invoices:read");
      const refreshToken = must(tokens.refresh_token, "refresh_token");
      const claims = await accessClaims(as, tokens.access_token);
      expect(claims).toMatchObject({ iss: vigil, aud: INVOICES_AUDIENCE, sub: personOf(ALICE), client_id: agent.clientId, scope: "invoices:read", act: { sub: agent.id, client_id: agent.clientId } });
      // The code rests on a delegation grant for the chosen day.
      const grantId = String(must((claims.delegation_ids as string[] | undefined)?.[0], "delegation_ids"));
      const grant = await admin("GET", `/api/v1/delegations/${grantId}`);
      expect(grant.json).toMatchObject({ agent_id: agent.id, person: { id: personOf(ALICE) }, scopes: ["invoices:read"], resources: [INVOICES_AUDIENCE], active: true });
      const day = Date.parse(String(grant.json.expires_at)) - Date.now();
      expect(day).toBeGreaterThan(86_400_000 - 10 * 60_000);
      expect(day).toBeLessThanOrEqual(86_400_000);

      // Refresh rotates: a new refresh token, a new access token for the same person and agent.
      const rotated = await refresh(as, agent, refreshToken);
      const newest = must(rotated.refresh_token, "rotated refresh_token");
      expect(newest).not.toBe(refreshToken);
      expect(await accessClaims(as, rotated.access_token)).toMatchObject({ sub: personOf(ALICE), act: { sub: agent.id } });
      // The old one again: refused, and its whole family is revoked, the newest refresh token with it.
      await expect(refresh(as, agent, refreshToken)).rejects.toEqual(refusedWith("invalid_grant"));
      await expect(refresh(as, agent, newest)).rejects.toEqual(refusedWith("invalid_grant"));
      if (kind === "confidential") expect(await introspectActive(as, agent, rotated.access_token)).toBe(false);

      // A second authorization: already signed in, straight to consent, which now says it extends her grant.
      const again = await authorizationRequest(as, agent.clientId, redirectUri, "invoices:read");
      await page.goto(again.url.href);
      await expectConsentFor(page, agent, again);
      await expect(page.getByTestId("existing-grant")).toContainText("invoices:read");
      await snap(page, `consent-${kind}-extends`);
      await page.getByRole("button", { name: "Approve" }).click();
      const second = await redeem(as, agent, again, await callbacks.nextCallback());
      expect((await accessClaims(as, second.access_token)).delegation_ids).toEqual([grantId]);

      // RFC 7009: the agent revokes its refresh token; it no longer refreshes.
      const secondRefresh = must(second.refresh_token, "refresh_token");
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuthOf(agent), secondRefresh, INSECURE));
      await expect(refresh(as, agent, secondRefresh)).rejects.toEqual(refusedWith("invalid_grant"));
      if (kind === "confidential") expect(await introspectActive(as, agent, second.access_token)).toBe(false);
    });
  }

  test("Deny sends access_denied with the state; a request for nothing the person holds offers nothing to approve (phone, light)", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: "light" });
    const agent = await registerAgent(env("E2E_VIGIL"));
    const as = await discover();
    const request = await authorizationRequest(as, agent.clientId, `http://127.0.0.1:${callbacks.port}/callback`, "payroll:read");
    await signInToConsent(page, request);
    await expectConsentFor(page, agent, request);
    await expect(page.getByTestId("nothing-to-grant")).toContainText("There is nothing to approve");
    await expect(page.getByTestId("not-held-scopes").getByRole("listitem")).toHaveAttribute("data-scope", "payroll:read");
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await snap(page, "consent-nothing-to-grant-phone-light");

    await page.getByRole("button", { name: "Deny" }).click();
    const callback = await callbacks.nextCallback();
    expect(callback.searchParams.get("state")).toBe(request.state);
    // oauth4webapi checks iss and state first, then reports the error response.
    let refused: unknown;
    try {
      oauth.validateAuthResponse(as, { client_id: agent.clientId }, callback, request.state);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect(refused).toMatchObject({ error: "access_denied" });
    expect(callback.searchParams.has("code")).toBe(false);
  });

  test("consent_mode once: a live grant covering the request skips the page on the next authorization; asking for more asks again", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    const agent = await registerAgent(vigil, { consent_mode: "once" });
    const as = await discover();
    const redirectUri = `http://127.0.0.1:${callbacks.port}/callback`;
    const first = await authorizationRequest(as, agent.clientId, redirectUri, "invoices:read");
    await signInToConsent(page, first);
    await expectConsentFor(page, agent, first);
    await page.getByRole("button", { name: "Approve" }).click();
    await redeem(as, agent, first, await callbacks.nextCallback());
    await expect(page.getByRole("heading", { name: "Back at the agent" })).toBeVisible();

    // The same again: the consent page answers with a redirect to the agent, a code in it.
    const second = await authorizationRequest(as, agent.clientId, redirectUri, "invoices:read");
    const hop = page.waitForResponse((r) => new URL(r.url()).pathname === "/authorize/consent");
    await page.goto(second.url.href);
    const skipped = await hop;
    expect(skipped.status()).toBe(307);
    expect(skipped.headers().location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${callbacks.port}/callback\\?code=`));
    const tokens = await redeem(as, agent, second, await callbacks.nextCallback());
    expect(await accessClaims(as, tokens.access_token)).toMatchObject({ sub: personOf(ALICE), scope: "invoices:read", act: { sub: agent.id } });

    // invoices:write is not covered by her grant: she is asked, and told it would extend the grant.
    const wider = await authorizationRequest(as, agent.clientId, redirectUri, "invoices:read invoices:write");
    await page.goto(wider.url.href);
    await expectConsentFor(page, agent, wider);
    await expect(page.getByTestId("existing-grant")).toContainText("invoices:read");
    await expect(page.getByTestId("granted-scopes").getByRole("listitem")).toHaveCount(2);
  });

  test("a redirect_uri the agent did not register, or an unknown client, ends on Vigil's own error page; the agent's server is never called", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    const agent = await registerAgent(vigil);
    const as = await discover();

    const elsewhere = await authorizationRequest(as, agent.clientId, `http://127.0.0.1:${callbacks.port}/elsewhere`, "invoices:read");
    await page.goto(elsewhere.url.href);
    await expect(page).toHaveURL(`${vigil}/authorize/error?reason=invalid_redirect_uri`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This agent asked to send you somewhere it did not register");
    await expect(page.getByRole("heading", { name: "What to do" })).toBeVisible();
    await snap(page, "authorize-error-redirect");

    const unknown = await authorizationRequest(as, "no-such-client", `http://127.0.0.1:${callbacks.port}/callback`, "invoices:read");
    await page.goto(unknown.url.href);
    await expect(page).toHaveURL(`${vigil}/authorize/error?reason=unknown_client`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Vigil does not know this agent");

    // Anything else in the URL is never shown: a crafted reason gets the generic text.
    await page.goto(`${vigil}/authorize/error?reason=${encodeURIComponent("Call 0800 123 456")}&error_description=${encodeURIComponent("Call 0800 123 456")}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This authorization request cannot be completed");
    await expect(page.locator("body")).not.toContainText("0800");
    await page.goto(`${vigil}/authorize/error?reason=constructor`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This authorization request cannot be completed");

    expect(callbacks.requests).toEqual([]);
  });

  test("the consent page refuses to be framed, and the decision endpoint refuses another origin's POST with the person's cookie (403)", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    const agent = await registerAgent(vigil);
    const as = await discover();
    const request = await authorizationRequest(as, agent.clientId, `http://127.0.0.1:${callbacks.port}/callback`, "invoices:read");
    await signInToConsent(page, request);
    await expectConsentFor(page, agent, request);
    const consentUrl = page.url();

    // Another origin on the same site (localhost, another port): the browser sends Alice's
    // SameSite=Lax session cookie along with a form it submits from there.
    const evil = `http://localhost:${callbacks.port}`;
    // The attacker's page says when its frame has finished loading, whatever it loaded.
    callbacks.serve("/frame", `<!doctype html><title>Framing</title><iframe title="consent" src="${consentUrl}" onload="document.title='frame loaded'"></iframe>`);
    const framed = page.waitForResponse((r) => r.url() === consentUrl && r.frame() !== page.mainFrame());
    await page.goto(`${evil}/frame`);
    expect((await framed).headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    await expect(page).toHaveTitle("frame loaded");
    await expect(page.frameLocator('iframe[title="consent"]').getByRole("heading", { name: `${agent.name} wants to act for you` })).toHaveCount(0);
    await snap(page, "consent-framed");

    const body = JSON.stringify({ ...Object.fromEntries(request.url.searchParams), decision: "approve", duration_seconds: 3600 });
    // text/plain lets a form carry JSON: `name=value` with the '=' hidden in a field.
    const end = body.lastIndexOf("}");
    callbacks.serve(
      "/csrf",
      `<!doctype html><title>CSRF</title><form method="post" enctype="text/plain" action="${vigil}/api/v1/authorize/decision"><input type="hidden" name='${body.slice(0, end)},"x":"' value='"}'></form><script>document.forms[0].submit()</script>`,
    );
    const decision = page.waitForResponse(`${vigil}/api/v1/authorize/decision`);
    await page.goto(`${evil}/csrf`);
    const refused = await decision;
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ detail: "Cross-origin write refused." });
    expect(callbacks.requests.filter((r) => new URL(r).pathname === "/callback")).toEqual([]);
  });

  test("the trial's development sign-in names no person: the consent page explains instead of offering Approve", async ({ page }) => {
    const trial = env("E2E_TRIAL");
    await page.goto(`${trial}/`);
    await page.getByRole("button", { name: "Continue as development admin" }).click();
    await expect(page.getByTestId("signed-in-user")).toHaveText("Development admin · admin");
    // The development admin registers the agent through the console's own API (cookie + CSRF token).
    const clientId = await page.evaluate(async (redirect) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const headers = { "content-type": "application/json", "x-csrf-token": csrf };
      const made = await fetch("/api/v1/agents", {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "trial bot", email: `trial-${Date.now()}@example.com`, owner: "trial", deployment_env: "test", allowed_scopes: ["agents:read"], redirect_uris: [redirect] }),
      });
      const agent = (await made.json()) as { id: string };
      const credential = await fetch(`/api/v1/agents/${agent.id}/credentials`, { method: "POST", headers, body: "{}" });
      return ((await credential.json()) as { client_id: string }).client_id;
    }, LOOPBACK_REDIRECT);
    const as = await discover(trial);
    const request = await authorizationRequest(as, clientId, `http://127.0.0.1:${callbacks.port}/callback`, "agents:read", null);
    await page.goto(request.url.href);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("trial bot wants to act for you");
    await expect(page.getByTestId("no-person")).toContainText("names no person");
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Deny" })).toHaveCount(0);
    await snap(page, "consent-trial");
  });
});

test.describe("agent registration as an OAuth client in the console", () => {
  test("an admin registers a public agent's client fields, sees the API's errors at their fields, and its credential has no secret", async ({ page }) => {
    const vigil = env("E2E_VIGIL");
    await page.goto(`${vigil}/`);
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    await signInAtIdp(page, "admin-dana");
    await expect(page.getByTestId("signed-in-user")).toHaveText("admin-dana · admin");
    await page.goto(`${vigil}/agents`);
    await page.getByRole("button", { name: "New agent" }).click();
    const name = `native notes ${Math.random().toString(36).slice(2, 8)}`;
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Email").fill(`${name.replaceAll(" ", "-")}@example.com`);
    await page.getByLabel("Owner").fill("desktop-team");
    await page.getByLabel("Deployment environment").fill("production");
    await page.getByLabel("Allowed scopes").fill("invoices:read");
    await page.getByLabel("Description").fill("Takes notes on your invoices.");
    const redirects = page.getByLabel("Redirect URIs");
    // Line 3 is plain http to a public host: only loopback may use http (RFC 8252).
    await redirects.fill(`${LOOPBACK_REDIRECT}\n\nhttp://notes.example.com/callback`);
    await page.getByLabel("Client type").selectOption("public");
    await page.getByLabel("Consent").selectOption("once");
    await page.getByLabel("Proof of possession (DPoP)").selectOption("required");
    await page.getByLabel("Public keys (JWKS)").fill("not json");
    await page.getByLabel("Logo URL").fill("http://notes.example.com/logo.png");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(redirects).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("line 3: a redirect URI is absolute, without a fragment or userinfo")).toBeVisible();
    await expect(page.getByLabel("Logo URL")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("must be an https URL")).toBeVisible();
    await expect(page.getByText('jwks must be a JSON object {"keys": [...]}')).toBeVisible();
    await snap(page, "agent-client-fields-errors");

    await redirects.fill(`${LOOPBACK_REDIRECT}\ncom.example.notes:/callback`);
    await page.getByLabel("Logo URL").fill("");
    await page.getByLabel("Public keys (JWKS)").fill("");
    await page.getByLabel("Public keys URL (jwks_uri)").fill("https://notes.example.com/.well-known/jwks.json");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "agent");
    await expect(page.getByTestId("redirect-uris").getByRole("listitem")).toHaveText([LOOPBACK_REDIRECT, "com.example.notes:/callback"]);
    await expect(page.getByTestId("client-type")).toContainText("Public");
    await expect(page.getByTestId("consent-mode")).toContainText("Ask once");
    await expect(page.getByTestId("dpop-mode")).toContainText("Required");
    await expect(page.getByTestId("client-auth")).toContainText("No secret");
    await expect(page.getByTestId("client-auth")).toContainText("private_key_jwt");
    await expect(page.getByTestId("client-keys")).toHaveText("published at https://notes.example.com/.well-known/jwks.json");
    await expect(page.getByTestId("client-description")).toHaveText("Takes notes on your invoices.");

    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await expect(page.getByLabel("Redirect URIs")).toHaveValue(`${LOOPBACK_REDIRECT}\ncom.example.notes:/callback`);
    await expect(page.getByLabel("Proof of possession (DPoP)")).toHaveValue("required");
    await page.getByLabel("Consent").selectOption("always");
    await page.getByLabel("Proof of possession (DPoP)").selectOption("optional");
    await page.getByLabel("Homepage URL").fill("https://notes.example.com/");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByTestId("consent-mode")).toHaveText("Ask every time");
    await expect(page.getByTestId("dpop-mode")).toContainText("Optional");

    await page.getByRole("button", { name: "Generate credential" }).click();
    const notice = page.getByTestId("public-credential");
    await expect(notice).toContainText("has no secret");
    await expect(notice.getByTestId("new-client-id")).toHaveText(/\S+/);
    await expect(page.getByTestId("new-secret")).toHaveCount(0);
    const row = page.getByTestId("credential-row");
    await expect(row).toContainText("public client — no secret");
    await expect(row.getByRole("button", { name: "Rotate" })).toHaveCount(0);
    await snap(page, "agent-public-credential");
  });
});
