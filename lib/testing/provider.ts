import { generateKeyPairSync, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { exportJWK, SignJWT, type JWTPayload } from "jose";

/**
 * A minimal OpenID provider for unit tests: discovery and a JWKS over real HTTP on
 * 127.0.0.1, and tokens signed with its key. The HTTP suite uses the real oidc-provider;
 * this one lets a unit test choose every claim (expired, wrong audience, may_act).
 */
export async function startTestProvider() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const server = createServer((req, res) => {
    const body =
      req.url === "/.well-known/openid-configuration" ? { issuer, jwks_uri: `${issuer}/jwks` } : req.url === "/jwks" ? { keys: [jwk] } : null;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(body ?? {}));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  const issuer = `http://127.0.0.1:${address.port}`;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    /** A person's access token: RS256, this provider's kid, claims of the test's choosing. */
    token: (claims: JWTPayload, key = privateKey) =>
      new SignJWT({ iss: issuer, iat: now(), exp: now() + 300, ...claims }).setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" }).sign(key),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
