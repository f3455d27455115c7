import { getConfig, loadConfig, setConfig } from "@/lib/config";
import { resetServerKeys } from "@/lib/keys/server-secrets";
import { unitTestEnv } from "./env";

export const SECRET_A = "rotation-test-secret-A-0123456789abcdefghij";
export const SECRET_B = "rotation-test-secret-B-0123456789abcdefghij";
export const SECRET_C = "rotation-test-secret-C-0123456789abcdefghij";

/**
 * Runs the process as if started with these secrets: AUTH_SECRET = current and
 * AUTH_SECRET_PREVIOUS = previous (derived keys dropped, so the next use derives again).
 * Returns the restore for afterAll/afterEach.
 */
export function runWithSecrets(current: string, previous: string[] = [], env: Record<string, string> = {}): () => void {
  const before = getConfig();
  const extra: Record<string, string> = { SIGNING_KEY_ROTATION_DELAY_SECONDS: "0", ...env, AUTH_SECRET: current };
  if (previous.length > 0) extra.AUTH_SECRET_PREVIOUS = previous.join(",");
  setConfig(loadConfig(unitTestEnv(extra)));
  resetServerKeys();
  return () => {
    setConfig(before);
    resetServerKeys();
  };
}
