// A development OpenID Provider for the compose stack: oidc-provider 9 (a certified OpenID
// Provider library) with its built-in login form, which accepts any login name and no password.
// FOR TRYING VIGIL ONLY: replace it with your organisation's provider (OIDC_ISSUER) for anything real.
//
// The login name decides the roles claim, as the test suite's provider does:
// "admin-*" -> ["admin"], "operator-*" -> ["operator"], "viewer-*" -> ["viewer"], else none.
// Settings (environment): ISSUER (the URL browsers and Vigil both reach it at), PORT,
// CLIENT_ID / CLIENT_SECRET (Vigil's console client), REDIRECT_BASE (Vigil's AUTH_URL),
// DATA_DIR (where its signing key is kept, so a restart does not change it).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Provider from "oidc-provider";

const need = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`dev IdP: ${name} is required`);
    process.exit(1);
  }
  return value;
};
const issuer = need("ISSUER");
const port = Number(process.env.PORT ?? "9000");
const clientId = process.env.CLIENT_ID ?? "vigil-console";
const clientSecret = need("CLIENT_SECRET");
const redirectBase = need("REDIRECT_BASE").replace(/\/+$/, "");
const dataDir = process.env.DATA_DIR ?? "/data";

// One key for the life of the volume: a new key under the same kid would break clients
// that cached the key set.
function signingKey() {
  const file = path.join(dataDir, "signing-key.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: `dev-idp-${randomBytes(4).toString("hex")}`, alg: "RS256", use: "sig" };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

const rolesFor = (id) => {
  const prefix = id.split("-")[0];
  return ["admin", "operator", "viewer"].includes(prefix) ? [prefix] : [];
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${redirectBase}/api/auth/callback/oidc`],
      post_logout_redirect_uris: [`${redirectBase}/signed-out`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(16).toString("hex")] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], roles: ["roles"] },
  scopes: ["openid", "email", "profile", "roles"],
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@example.com`, email_verified: true, name: id, roles: rolesFor(id) }),
  }),
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});
// Plain http behind no proxy: a development provider.
provider.proxy = false;

provider.listen(port, "0.0.0.0", () => console.log(JSON.stringify({ msg: "dev IdP listening", issuer, port })));
process.on("SIGTERM", () => process.exit(0));
