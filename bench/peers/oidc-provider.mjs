// The reference point for the token benchmark: node-oidc-provider (panva), a certified,
// widely deployed OAuth server, doing the same job as Vigil's token endpoint:
// client_credentials, client_secret_basic, RS256 JWT access tokens signed with a 2048-bit
// key. It runs in its own process so that both servers are measured the same way.
//
// Configuration comes from the environment: PORT, CLIENT_ID, CLIENT_SECRET; for the
// introspection bench also ACCESS_TOKEN_FORMAT=opaque (default jwt: oidc-provider cannot
// introspect its JWTs, so introspection is measured on its opaque tokens) and
// INTROSPECTION=true (RFC 7662 at /token/introspection, off by default).
import { generateKeyPairSync, randomUUID } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const accessTokenFormat = process.env.ACCESS_TOKEN_FORMAT ?? "jwt";
const introspection = process.env.INTROSPECTION === "true";
if (!port || !clientId || !clientSecret) {
  console.error("oidc-provider peer: PORT, CLIENT_ID and CLIENT_SECRET are required");
  process.exit(2);
}
if (accessTokenFormat !== "jwt" && accessTokenFormat !== "opaque") {
  console.error(`oidc-provider peer: ACCESS_TOKEN_FORMAT must be jwt or opaque, got ${accessTokenFormat}`);
  process.exit(2);
}

// A fresh key per run, the same size as Vigil's, so signing costs the same on both sides.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ["client_credentials"],
      token_endpoint_auth_method: "client_secret_basic",
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: { keys: [jwk] },
  scopes: ["svc:read"],
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => "urn:bench:api",
      getResourceServerInfo: () => ({
        scope: "svc:read",
        audience: "urn:bench:api",
        accessTokenTTL: 600,
        accessTokenFormat,
        ...(accessTokenFormat === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
      }),
      useGrantedResource: () => true,
    },
    // As Vigil's default: an authenticated client sees its own tokens, nobody else's
    // (oidc-provider's default policy would show any token to any authenticated client).
    introspection: { enabled: introspection, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
  },
});

// Server errors would otherwise only show up as anonymous 500s in the load generator.
provider.on("server_error", (/** @type {unknown} */ _ctx, /** @type {unknown} */ error) => console.error("server_error", error));

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider peer listening on ${issuer}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    // Keep-alive sockets from the load generator may hold close() open.
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
