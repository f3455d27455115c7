import { BOOTSTRAP_SECRET } from "./vigil-process";

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

export async function tokenFor(baseUrl: string, clientId: string, secret: string, extra: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/api/v1/token`, {
    method: "POST",
    headers: { authorization: basic(clientId, secret), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", ...extra }),
  });
  if (!res.ok) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export const adminToken = (baseUrl: string) => tokenFor(baseUrl, "vigil-admin", BOOTSTRAP_SECRET);

/** JSON API calls with a bearer token. */
export function api(baseUrl: string, token: string | null) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json: json as Record<string, unknown> & { [k: string]: unknown } };
  };
}

let seq = 0;
export function agentInput(extra: Record<string, unknown> = {}) {
  seq += 1;
  return {
    name: `e2e agent ${seq}`,
    email: `e2e-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
    owner: "e2e",
    deployment_env: "test",
    allowed_scopes: ["svc:read"],
    ...extra,
  };
}

/** An agent with one credential, made through the API as the bootstrap admin. */
export async function agentWithCredential(baseUrl: string, extra: Record<string, unknown> = {}) {
  const call = api(baseUrl, await adminToken(baseUrl));
  const agent = await call("POST", "/api/v1/agents", agentInput(extra));
  if (agent.status !== 201) throw new Error(`agent create failed: ${JSON.stringify(agent.json)}`);
  const id = agent.json.id as string;
  const credential = await call("POST", `/api/v1/agents/${id}/credentials`, {});
  if (credential.status !== 201) throw new Error(`credential failed: ${JSON.stringify(credential.json)}`);
  return { id, clientId: credential.json.client_id as string, secret: credential.json.client_secret as string, credentialId: credential.json.id as string };
}
