import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  output: "standalone",
  // Both keep native/global state (PGlite's WASM instance, prom-client's registry) that
  // must not be bundled twice: the fast lane and Next's server share one copy via Node.
  serverExternalPackages: ["@electric-sql/pglite", "prom-client", "pino", "postgres", "@cedar-policy/cedar-wasm"],
  // The data directory holds the embedded database and a development secret: never ship it.
  outputFileTracingExcludes: { "*": ["data/**", "bench/**", "e2e/**", "test-results/**"] },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
