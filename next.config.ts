import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  output: "standalone",
  // Both keep native/global state (PGlite's WASM instance, prom-client's registry) that
  // must not be bundled twice: the fast lane and Next's server share one copy via Node.
  serverExternalPackages: ["@electric-sql/pglite", "prom-client", "pino", "postgres", "@cedar-policy/cedar-wasm"],
  // The data directory holds the embedded database and a development secret: never ship it.
  // sharp (Next's image optimiser, a native package of ~35 MB) is never used: images are
  // served as they are (below), so it stays out of the standalone output and the image.
  outputFileTracingExcludes: {
    "*": ["data/**", "bench/**", "e2e/**", "test-results/**", "node_modules/sharp/**", "node_modules/@img/**"],
  },
  // No next/image anywhere (agent logos are any host's https URL, drawn with <img>): no
  // optimiser at run time, so nothing loads sharp.
  images: { unoptimized: true },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
