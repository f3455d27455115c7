import { createHash, randomBytes } from "node:crypto";
import type { IdpInfo } from "./idp";

/**
 * A person's access token from the organisation's provider, the way their own application
 * gets one: authorization code with PKCE through oidc-provider's login and consent pages
 * (driven with plain HTTP, cookies kept), then the code at the token endpoint. The token
 * is a JWT for `resource` (Vigil's API audience by default) carrying the granted scopes,
 * the person's email and groups.
 */
export async function personToken(idp: IdpInfo, login: string, scope = "invoices:read invoices:write", resource = idp.audience): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
  };
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(new URL(url, idp.issuer), { ...init, redirect: "manual", headers: { ...(init.headers ?? {}), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    keep(res);
    return res;
  };
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const client = idp.personClient;
  const auth = new URL("/auth", idp.issuer);
  auth.search = new URLSearchParams({
    client_id: client.client_id,
    response_type: "code",
    redirect_uri: client.redirect_uri,
    scope: `openid ${scope}`,
    resource,
    state: randomBytes(8).toString("hex"),
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  let res = await go(auth.toString());
  const form = { "content-type": "application/x-www-form-urlencoded" };
  // login, then consent, each answered at its interaction and resumed at /auth/<uid>
  const steps: Record<string, string>[] = [{ prompt: "login", login, password: "irrelevant" }, { prompt: "consent" }];
  for (const step of steps) {
    const interaction = res.headers.get("location");
    if (!interaction?.includes("/interaction/")) throw new Error(`expected the ${step.prompt} page, got ${res.status} ${interaction}`);
    res = await go(interaction, { method: "POST", headers: form, body: new URLSearchParams(step) });
    res = await go(res.headers.get("location") ?? "");
  }
  const done = new URL(res.headers.get("location") ?? "", idp.issuer);
  const code = done.searchParams.get("code");
  if (!code) throw new Error(`no code: ${res.status} ${done}`);
  const token = await fetch(new URL("/token", idp.issuer), {
    method: "POST",
    headers: { ...form, authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: client.redirect_uri, code_verifier: verifier, resource }),
  });
  if (!token.ok) throw new Error(`token endpoint: ${token.status} ${await token.text()}`);
  return ((await token.json()) as { access_token: string }).access_token;
}
