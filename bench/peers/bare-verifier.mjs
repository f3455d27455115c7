// The floor for the validator benchmark: a bare node:http server that does only what a
// gateway check must do — verify an RS256 JWT against a JWKS (fetched once at start) with
// jose, check issuer and audience, and answer 200 with the identity headers or 401.
// Usage: PORT=... JWKS_URL=... ISSUER=... AUDIENCE=... node bench/peers/bare-verifier.mjs
import { createServer } from "node:http";
import { createLocalJWKSet, jwtVerify } from "jose";

const { PORT = "0", JWKS_URL = "", ISSUER = "", AUDIENCE = "" } = process.env;
const jwks = createLocalJWKSet(await (await fetch(JWKS_URL)).json());

createServer(async (req, res) => {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  try {
    if (!token) throw new Error("missing");
    const { payload } = await jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["RS256"] });
    res.writeHead(200, { "x-user-id": String(payload.sub), "x-scopes": String(payload.scope ?? "").split(" ").join(",") }).end();
  } catch {
    res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end();
  }
}).listen(Number(PORT), "127.0.0.1", () => console.log(`bare verifier on ${PORT}`));
