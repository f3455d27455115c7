import { envSchema, type Env } from "./env-schema";

export type VigilConfig = Env & {
  production: boolean;
  issuer: string;
  apiAudience: string;
  devSignIn: boolean;
  database: { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string };
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Vigil refuses to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once. Throws ConfigError naming every bad or unsafe variable. */
export function loadConfig(source: Record<string, string | undefined>): VigilConfig {
  // Empty strings mean "unset": shells and compose files often export VAR= to clear a value.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const env = parsed.data;
  const production = env.NODE_ENV === "production";
  const devSignIn = env.VIGIL_DEV_SIGNIN ?? (!production && !env.OIDC_ISSUER);

  const problems: string[] = [];
  if (production) {
    if (!env.AUTH_SECRET) problems.push("AUTH_SECRET: required in production (openssl rand -base64 32)");
    if (!env.AUTH_URL) problems.push("AUTH_URL: required in production (the public URL of this Vigil)");
    if (devSignIn) problems.push("VIGIL_DEV_SIGNIN: the development sign-in must be off in production");
    if (!env.DATABASE_URL && !env.VIGIL_ALLOW_EMBEDDED_DB) {
      problems.push(
        "DATABASE_URL: required in production; the embedded database admits one process only " +
          "(set VIGIL_ALLOW_EMBEDDED_DB=true to accept that)",
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const base = (env.VIGIL_ISSUER ?? env.AUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
  return {
    ...env,
    production,
    devSignIn,
    issuer: base,
    apiAudience: env.VIGIL_API_AUDIENCE ?? base,
    database: env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dataDir: env.VIGIL_DATA_DIR },
  };
}
