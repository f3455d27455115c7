import type { Account, Profile } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig, setConfig } from "@/lib/config";
import { unitTestEnv } from "@/lib/testing/env";
import { authConfig } from "./auth-config";

const ISSUER = "https://idp.example.com";

/** The session token Auth.js builds at sign-in, run through Vigil's jwt callback. */
async function signInToken(provider: string, profile: Profile | undefined): Promise<JWT | null> {
  const jwt = authConfig().callbacks?.jwt;
  if (!jwt) throw new Error("no jwt callback");
  const account: Account = { provider, type: provider === "oidc" ? "oidc" : "credentials", providerAccountId: profile?.sub ?? "dev-admin", id_token: "id.token.here" };
  // Auth.js puts a fresh random id in `sub` for every sign-in without a database.
  return jwt({ token: { sub: "5f0c2a4e-0000-4000-8000-000000000000", email: "alice@example.com" }, user: { id: "5f0c2a4e-0000-4000-8000-000000000000" }, account, profile });
}

describe("console session claims", () => {
  beforeAll(() => {
    setConfig(
      loadConfig(
        unitTestEnv({
          OIDC_ISSUER: ISSUER,
          OIDC_CLIENT_ID: "vigil-console",
          OIDC_CLIENT_SECRET: "console-secret-0123456789",
          DELEGATION_SCOPES_CLAIM: "groups",
          DELEGATION_SCOPE_MAP: "finance=invoices:read invoices:write",
        }),
      ),
    );
  });

  it("names the person by the provider's subject, so their grants match the provider's tokens", async () => {
    const token = await signInToken("oidc", { sub: "alice", iss: ISSUER, roles: ["viewer"], groups: ["finance"] });
    expect(token).toMatchObject({ sub: "alice", issuer: ISSUER, role: "viewer", delegable: ["invoices:read", "invoices:write"] });
  });

  it("keeps the person's roles and groups from their claims, for runtime policy", async () => {
    const token = await signInToken("oidc", { sub: "alice", iss: ISSUER, roles: ["viewer", "auditor"], groups: ["finance", "emea"] });
    expect(token).toMatchObject({ roles: ["viewer", "auditor"], groups: ["finance", "emea"] });
    // Past the bounds (a list cut short could hide the group a forbid names) or left out: unknown, not empty.
    const many = await signInToken("oidc", { sub: "bob", iss: ISSUER, roles: ["viewer"], groups: Array.from({ length: 500 }, (_, i) => `g${i}`) });
    expect(many?.groups).toBeUndefined();
    expect(many?.roles).toEqual(["viewer"]);
    const none = await signInToken("oidc", { sub: "carl", iss: ISSUER, roles: ["viewer"] });
    expect(none?.groups).toBeUndefined();
  });

  it("keeps Auth.js's id for the development sign-in, which names no person", async () => {
    const token = await signInToken("dev", undefined);
    expect(token).toMatchObject({ sub: "5f0c2a4e-0000-4000-8000-000000000000", role: "admin" });
    expect(token?.issuer).toBeUndefined();
  });
});
