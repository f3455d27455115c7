import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

const SAFE_PRODUCTION = {
  NODE_ENV: "production",
  AUTH_SECRET: "x".repeat(40),
  AUTH_URL: "https://vigil.example.com",
  DATABASE_URL: "postgres://vigil@db/vigil",
  VIGIL_DEV_SIGNIN: "false",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("defaults to a trial run on the embedded database", () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: "pglite", dataDir: "./data" });
    expect(config.production).toBe(false);
    expect(config.devSignIn).toBe(true);
    expect(config.issuer).toBe("http://localhost:3000");
    expect(config.TOKEN_TTL_SECONDS).toBe(600);
  });

  it("accepts a complete production configuration", () => {
    const config = loadConfig(SAFE_PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.database).toEqual({ kind: "postgres", url: SAFE_PRODUCTION.DATABASE_URL });
    expect(config.issuer).toBe("https://vigil.example.com");
  });

  it.each([
    ["AUTH_SECRET", { AUTH_SECRET: undefined }],
    ["AUTH_URL", { AUTH_URL: undefined }],
    ["VIGIL_DEV_SIGNIN", { VIGIL_DEV_SIGNIN: "true" }],
    ["DATABASE_URL", { DATABASE_URL: undefined }],
  ])("refuses production without a safe %s and names it", (variable, change) => {
    const problems = problemsOf({ ...SAFE_PRODUCTION, ...change });
    expect(problems.some((p) => p.startsWith(`${variable}:`))).toBe(true);
  });

  it("lets production opt in to the embedded database explicitly", () => {
    const config = loadConfig({ ...SAFE_PRODUCTION, DATABASE_URL: undefined, VIGIL_ALLOW_EMBEDDED_DB: "true" });
    expect(config.database.kind).toBe("pglite");
  });

  it("names malformed values", () => {
    const problems = problemsOf({ TOKEN_TTL_SECONDS: "7200", DATABASE_URL: "mysql://x", AUTH_SECRET: "short" });
    expect(problems.join("\n")).toMatch(/TOKEN_TTL_SECONDS/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL: must be a postgres/);
    expect(problems.join("\n")).toMatch(/AUTH_SECRET: must be at least 32/);
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).database.kind).toBe("pglite");
  });
});
