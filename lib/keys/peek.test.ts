import { describe, expect, it, beforeAll } from "vitest";
import { setConfig, loadConfig } from "@/lib/config";
import { peekJwt } from "./peek";

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const jwt = (header: unknown, payload: unknown) => `${b64(header)}.${b64(payload)}.c2ln`;

beforeAll(() => setConfig(loadConfig({ NODE_ENV: "test", AUTH_SECRET: "peek-test-secret-0123456789abcdefghijkl", AUTH_URL: "https://vigil.example", OIDC_ISSUER: "https://idp.example/" })));

describe("peekJwt", () => {
  it.each([
    ["Vigil's issuer", jwt({ alg: "RS256", kid: "k1" }, { iss: "https://vigil.example" }), { from: "vigil", kid: "k1" }],
    ["the provider, trailing slash aside", jwt({ alg: "ES256" }, { iss: "https://idp.example" }), { from: "provider", kid: undefined }],
    ["another issuer", jwt({ alg: "RS256", kid: "x" }, { iss: "https://evil.example" }), { from: "other", kid: "x" }],
    ["a kid that is not a string is no kid", jwt({ alg: "RS256", kid: 7 }, { iss: "https://vigil.example" }), { from: "vigil", kid: undefined }],
    ["alg none", jwt({ alg: "none" }, { iss: "https://vigil.example" }), { refused: "algorithm" }],
    ["HMAC", jwt({ alg: "HS256" }, { iss: "https://vigil.example" }), { refused: "algorithm" }],
    ["no alg", jwt({ kid: "k" }, { iss: "https://vigil.example" }), { refused: "algorithm" }],
    ["two parts", `${b64({ alg: "RS256" })}.${b64({ iss: "x" })}`, { refused: "malformed" }],
    ["five parts (JWE)", `${b64({ alg: "RSA-OAEP" })}.a.b.c.d`, { refused: "malformed" }],
    ["header not JSON", `${b64("not json")}.${b64({ iss: "x" })}.c2ln`, { refused: "malformed" }],
    ["payload an array", jwt({ alg: "RS256" }, [1, 2]), { refused: "malformed" }],
    ["payload null", jwt({ alg: "RS256" }, null), { refused: "malformed" }],
    ["padding or stray characters in a segment", `${b64({ alg: "RS256" })}=.${b64({ iss: "x" })}.c2ln`, { refused: "malformed" }],
    ["standard base64 characters", `${b64({ alg: "RS256" })}.${b64({ iss: "x" })}+/.c2ln`, { refused: "malformed" }],
    ["empty", "", { refused: "malformed" }],
  ])("%s", (_label, token, expected) => {
    expect(peekJwt(token)).toEqual(expected);
  });
});
