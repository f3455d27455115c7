import { loadConfig, setConfig } from "@/lib/config";
import { unitTestEnv } from "./env";

// Verbs read the process-wide configuration; tests get a fixed, known one.
setConfig(loadConfig(unitTestEnv({ SIGNING_KEY_ROTATION_DELAY_SECONDS: "0" })));
