import pino, { type Logger } from "pino";
import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";

/** One JSON logger per process. Secrets never reach it: callers log ids, not credentials. */
export function getLogger(): Logger {
  return processSingleton("logger", () => {
    const config = getConfig();
    return pino({
      level: config.LOG_LEVEL,
      base: { service: "vigil" },
      // Belt and braces: if a header bag or form ever reaches a log line, these stay out.
      redact: {
        paths: ["authorization", "*.authorization", "client_secret", "*.client_secret", "password", "*.password"],
        censor: "[redacted]",
      },
    });
  });
}
