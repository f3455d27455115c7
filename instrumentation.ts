/**
 * Runs once when a Next server starts (`next dev`, `next start`, or the fast lane's
 * embedded Next): configuration is validated and the database migrated before the first
 * request, so a bad setting fails the start instead of a request.
 */
export async function register() {
  // Literal process.env.NEXT_RUNTIME: Next replaces it at build time, which drops the
  // Node-only import below from the edge bundle. (The one process.env read outside lib/config.)
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startNodeRuntime } = await import("@/lib/runtime/instrumentation-node");
    await startNodeRuntime();
  }
}
