import { processSingleton } from "@/lib/process/singleton";
import { loadConfig, type VigilConfig } from "./config";

export { ConfigError, loadConfig, type ClientMetadataSettings, type VigilConfig } from "./config";

const slot = () => processSingleton("config", (): { config?: VigilConfig } => ({}));

/**
 * The parsed configuration. The fast lane parses it before Next loads (Next inlines
 * NODE_ENV into its bundles, so the real mode must be captured first) and every copy
 * of this module — the fast lane's and Next's — then reads the same object.
 */
export function getConfig(): VigilConfig {
  const s = slot();
  s.config ??= loadConfig(process.env);
  return s.config;
}

/** Parses process.env now (start-up), replacing any earlier configuration. */
export function configureFromEnvironment(): VigilConfig {
  return setConfig(loadConfig(process.env));
}

/** Replaces the process-wide configuration (start-up and tests). */
export function setConfig(config: VigilConfig): VigilConfig {
  slot().config = config;
  return config;
}

/**
 * The fast lane serves a production build whatever mode Vigil's own checks run in; React
 * and Next read NODE_ENV at run time, so it is set only after the configuration has been
 * captured (a trial run without NODE_ENV stays a trial run for Vigil's safety checks).
 */
export function enterProductionRuntime(): void {
  Object.assign(process.env, { NODE_ENV: "production" });
}

/**
 * Hands Next the configuration serialised at build time, as Next's own standalone server
 * does: the fast lane then needs neither next.config.ts nor its loader at run time (so it
 * also runs from `.next/standalone` in the container).
 */
export function adoptBuiltNextConfig(requiredServerFiles: { config: unknown }): void {
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(requiredServerFiles.config);
}
