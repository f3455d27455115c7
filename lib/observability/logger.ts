import pino, { type Logger } from "pino";
import { getConfig } from "@/lib/config";

const holder = globalThis as unknown as { __vigilLogger?: Logger };

/** One JSON logger per process. Secrets never reach it: callers log ids, not credentials. */
export function getLogger(): Logger {
  if (!holder.__vigilLogger) {
    const config = getConfig();
    holder.__vigilLogger = pino({
      level: config.LOG_LEVEL,
      base: { service: "vigil" },
      // Belt and braces: if a header bag or form ever reaches a log line, these stay out.
      redact: {
        paths: ["authorization", "*.authorization", "client_secret", "*.client_secret", "password", "*.password"],
        censor: "[redacted]",
      },
    });
  }
  return holder.__vigilLogger;
}
