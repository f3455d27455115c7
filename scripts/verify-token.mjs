// node scripts/verify-token.mjs <access_token> [issuer]
// Verifies a Vigil access token the way any resource server would: discovery -> JWKS ->
// signature, issuer, expiry and typ. Prints the claims.
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";

const [token, issuerArg] = process.argv.slice(2);
if (!token) {
  console.error("usage: node scripts/verify-token.mjs <access_token> [issuer]");
  process.exit(2);
}
const issuer = (issuerArg ?? decodeJwt(token).iss ?? "").replace(/\/+$/, "");
const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
try {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, typ: "at+jwt" });
  console.log(JSON.stringify({ valid: true, header: protectedHeader, claims: payload }, null, 2));
} catch (error) {
  console.log(JSON.stringify({ valid: false, reason: error.code ?? error.message }, null, 2));
  process.exit(1);
}
