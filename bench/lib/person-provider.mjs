// The organisation's OpenID provider as far as token exchange needs one: discovery and a
// JWKS over real HTTP on 127.0.0.1, and people's access tokens signed with its key (RS256,
// with a kid, as Vigil requires). The same approach as lib/testing/provider.ts, copied
// rather than imported: the bench drives the production build as a black box and does not
// load test support. Vigil reads discovery and the JWKS at start (and every 10 minutes), so
// this server is idle while anything is measured; it lives in the bench process.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import { exportJWK, SignJWT } from "jose";

/**
 * @typedef {object} PersonProvider
 * @property {string} issuer
 * @property {(claims: Record<string, unknown>) => Promise<string>} token a person's access token with these claims (iss, iat defaulted)
 * @property {() => Promise<void>} close
 */

/** @returns {Promise<PersonProvider>} */
export async function startPersonProvider() {
  // 2048-bit, like Vigil's own key: verifying the subject token costs what it would in production.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `bench-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  let issuer = "";
  const server = createServer((req, res) => {
    const body =
      req.url === "/.well-known/openid-configuration" ? { issuer, jwks_uri: `${issuer}/jwks` } : req.url === "/jwks" ? { keys: [jwk] } : null;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(body ?? {}));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("person provider: no address");
  issuer = `http://127.0.0.1:${address.port}`;
  return {
    issuer,
    token: (claims) =>
      new SignJWT({ iss: issuer, iat: Math.floor(Date.now() / 1000), ...claims }).setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" }).sign(privateKey),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
