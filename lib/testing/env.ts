import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The environment unit tests configure Vigil with (a fresh data directory each call). */
export function unitTestEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    AUTH_SECRET: "unit-test-auth-secret-0123456789abcdef",
    AUTH_URL: "http://vigil.test",
    LOG_LEVEL: "silent",
    VIGIL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "vigil-unit-")),
    ...extra,
  };
}
