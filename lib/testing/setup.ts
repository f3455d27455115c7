import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, setConfig } from "@/lib/config";

// Verbs read the process-wide configuration; tests get a fixed, known one.
setConfig(
  loadConfig({
    NODE_ENV: "test",
    AUTH_SECRET: "unit-test-auth-secret-0123456789abcdef",
    AUTH_URL: "http://vigil.test",
    LOG_LEVEL: "silent",
    VIGIL_DATA_DIR: mkdtempSync(path.join(tmpdir(), "vigil-unit-")),
    SIGNING_KEY_ROTATION_DELAY_SECONDS: "0",
  }),
);
