import { installShutdown } from "./shutdown";
import { ensureStarted } from "./start";

export async function startNodeRuntime(): Promise<void> {
  await ensureStarted();
  installShutdown();
}
